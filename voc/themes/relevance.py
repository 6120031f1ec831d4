"""How well each of a set of texts speaks for a subject, e.g. a hit's title and problem."""

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer

from voc.themes.preprocess import Tokenizer


def relevance(subject: str, texts: Sequence[str]) -> list[float]:
    """Cosine of each text with the subject over TF-IDF stems and stem pairs; 0.0 shares no word.

    Inverse document frequency comes from the texts themselves, so a word every text shares
    (the tariff's name in all of a hit's evidence) counts for little and a distinctive one for much.
    """
    tokenizer = Tokenizer()
    query = tokenizer.document(subject)
    docs = [tokenizer.document(text) for text in texts] if query else []
    if not any(docs):
        return [0.0] * len(texts)
    vectorizer = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True)
    matrix = vectorizer.fit_transform([*docs, query])
    return (matrix[:-1] @ matrix[-1].T).toarray().ravel().tolist()
