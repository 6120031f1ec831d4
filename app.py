"""Entry point so `flask --app app` and gunicorn `app:app` find the application."""
from voc import create_app

app = create_app()
