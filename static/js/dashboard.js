// Draws the dashboard's charts from the JSON the page carries; without Chart.js the tables show instead.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("chart-data");
  if (!source) return;
  const canvases = document.querySelectorAll("canvas[data-chart]");
  if (typeof window.Chart === "undefined") {
    canvases.forEach((canvas) => {
      canvas.parentElement.hidden = true;
      canvas.closest("figure").querySelector("details")?.setAttribute("open", "");
    });
    return;
  }
  const data = JSON.parse(source.textContent);
  // Readable at a glance: larger type than Chart.js's 12 px default, the app's own font and ink.
  window.Chart.defaults.font.size = 14;
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = "#1d2330";
  const colours = ["#2457c5", "#c2410c", "#067647", "#7c3aed", "#b42318", "#0e7490", "#a16207", "#5b6475"];
  const kinds = {
    volume: { type: "line", y: { beginAtZero: true, ticks: { precision: 0 } } },
    sentiment: { type: "bar", y: { min: -1, max: 1 } },
    theme: { type: "line", y: { beginAtZero: true, ticks: { precision: 0 } } },
  };
  canvases.forEach((canvas) => {
    const chart = data[canvas.dataset.chart];
    const kind = kinds[canvas.dataset.chart];
    if (!chart || !kind) return;
    const datasets = chart.series.map((series, index) => {
      const colour = colours[index % colours.length];
      return {
        label: series.label,
        data: series.values,
        borderColor: colour,
        // One bar per stage: colour each bar, negative ones in the warning colour.
        backgroundColor: kind.type === "bar"
          ? series.values.map((value) => (value !== null && value < 0 ? "#b42318" : "#067647"))
          : colour,
        tension: 0.2,
        pointRadius: 3,
        borderWidth: 3,
      };
    });
    new window.Chart(canvas, {
      type: kind.type,
      data: { labels: chart.labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: kind.y },
        plugins: { legend: { display: kind.type !== "bar", position: "bottom" } },
      },
    });
    canvas.dataset.drawn = "yes";
  });
});
