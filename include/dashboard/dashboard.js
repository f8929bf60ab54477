// The dashboard's charts and choices. The page's figures are JSON in #dashboard-data (built
// from the published layer); plotly.js draws them. Nothing is fetched: every file a page
// needs is served beside it. When every chart of the first view is drawn, the page sets
// window.dashboardDrawn (milliseconds since navigation start) for the benchmark and tests.
// Numbers and dates are Dutch (1.234; 62,5%; 7 december 2026), in the charts too; each chart
// downloads as PNG or SVG through the buttons under it (its figures: the CSV link beside them).
(function () {
  "use strict";

  // plotly.js in Dutch: its number and date formats and the texts of its modebar.
  Plotly.register({
    moduleType: "locale",
    name: "nl",
    dictionary: {
      "Autoscale": "Automatisch schalen",
      "Box Select": "Rechthoek selecteren",
      "Download plot": "Grafiek downloaden",
      "Download plot as a png": "Grafiek downloaden als PNG",
      "Double-click to zoom back out": "Dubbelklik om uit te zoomen",
      "Pan": "Verschuiven",
      "Reset axes": "Assen herstellen",
      "Reset": "Herstellen",
      "Zoom": "Zoomen",
      "Zoom in": "Inzoomen",
      "Zoom out": "Uitzoomen",
      "Show closest data on hover": "Dichtstbijzijnde waarde tonen",
      "Compare data on hover": "Waarden vergelijken",
      "Toggle Spike Lines": "Hulplijnen aan/uit",
      "Produced with Plotly.js": "Gemaakt met Plotly.js",
    },
    format: {
      days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
      shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
      months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
      date: "%-d %B %Y",
      decimal: ",",
      thousands: ".",
      grouping: [3],
      currency: ["€ ", ""],
    },
  });

  const DARK = "#1f3a5f";
  const GREY = "#6b6b6b";
  const RED = "#b5473a";
  const BAND = "rgba(31,58,95,0.18)";
  const GREY_BAND = "rgba(107,107,107,0.15)";
  const CONFIG = {
    displaylogo: false,
    responsive: true,
    locale: "nl",
    // No modebar: its buttons would be controls inside the chart's role="img" box (screen
    // readers hear the box's label, not its contents). Zoom: drag; back: double-click.
    // Downloads: the buttons under each chart.
    displayModeBar: false,
  };
  // A4 portrait, 15 mm margins, at 96 px per inch: the width a chart is printed at.
  const PRINT_WIDTH = 680;

  const data = JSON.parse(document.getElementById("dashboard-data").textContent);

  // On a phone the charts give up their wide margins (the labels move inside, automargin).
  function narrow() {
    return window.innerWidth < 600;
  }

  function layout(extra) {
    const chosen = Object.assign(
      {
        separators: ",.",
        font: { family: "system-ui, -apple-system, Segoe UI, sans-serif", size: 12, color: "#222" },
        margin: { l: 60, r: 20, t: 40, b: 50 },
        hovermode: "closest",
        legend: { orientation: "h", x: 0, y: 1.15 },
        plot_bgcolor: "#fff",
        paper_bgcolor: "#fff",
      },
      extra
    );
    if (narrow()) {
      chosen.margin = { l: 40, r: 10, t: 40, b: 50 };
      chosen.font = Object.assign({}, chosen.font, { size: 11 });
    }
    return chosen;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function options(select, entries, chosen) {
    select.replaceChildren();
    for (const [value, label] of entries) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      option.selected = value === chosen;
      select.appendChild(option);
    }
  }

  function row(body, cells, className) {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text === null || text === undefined ? "–" : String(text);
      tr.appendChild(td);
    }
    body.appendChild(tr);
    return tr;
  }

  function plot(id, traces, extra) {
    return Plotly.react(byId(id), traces, layout(extra), CONFIG);
  }

  // ---- a region's page (or the country's) ----

  function headline(quarter) {
    const chosen = data.quarters.find((q) => q.id === quarter);
    byId("headline").caption.textContent = `${chosen.label}: ${chosen.period}`;
    const body = byId("headline").tBodies[0];
    body.replaceChildren();
    for (const figure of data.headline[quarter]) {
      const cells = [figure.note ? `${figure.label} (${figure.note})` : figure.label, figure.value];
      if (!data.is_national) cells.push(figure.national);
      cells.push(figure.people === "–" ? "" : figure.people);
      row(body, cells).dataset.key = figure.key;
    }
  }

  function trend(quarter) {
    const t = data.trend;
    const at = t.quarters.indexOf(quarter);
    const series = (name, values, colour, dash, symbol) => ({
      type: "scatter",
      mode: "lines+markers",
      name: name,
      x: t.labels,
      y: values,
      line: { color: colour, dash: dash, width: 2 },
      marker: { color: colour, symbol: symbol, size: 7 },
      hovertemplate: `%{x}: %{y:,} ${name.toLowerCase()}<extra></extra>`,
    });
    return plot(
      "trend-chart",
      [
        series("Plaatsingen", t.placements, DARK, "solid", "circle"),
        series("Baanverlies", t.job_losses, RED, "dash", "square"),
        series("Van werk naar werk", t.job_to_job, GREY, "dot", "triangle-up"),
      ],
      {
        yaxis: { title: { text: "mensen" }, rangemode: "tozero", gridcolor: "#e3e3e3" },
        xaxis: { type: "category" },
        shapes: [
          {
            type: "rect",
            xref: "x",
            yref: "paper",
            x0: at - 0.5,
            x1: at + 0.5,
            y0: 0,
            y1: 1,
            fillcolor: "rgba(31,58,95,0.08)",
            line: { width: 0 },
          },
        ],
      }
    );
  }

  // A published curve is its steps: each point holds until the next ("hv"), never
  // interpolated between them.
  function curveTraces(name, curve, colour, band, dash) {
    const months = curve.map((p) => p.month);
    return [
      {
        type: "scatter",
        mode: "lines",
        x: months,
        y: curve.map((p) => p.upper),
        line: { width: 0, shape: "hv" },
        hoverinfo: "skip",
        showlegend: false,
      },
      {
        type: "scatter",
        mode: "lines",
        x: months,
        y: curve.map((p) => p.lower),
        fill: "tonexty",
        fillcolor: band,
        line: { width: 0, shape: "hv" },
        name: `${name}: 95%-interval`,
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: name,
        x: months,
        y: curve.map((p) => p.survival),
        customdata: curve.map((p) => [p.lower, p.upper, p.at_risk]),
        line: { color: colour, width: 2, shape: "hv", dash: dash },
        marker: { color: colour, size: 4 },
        hovertemplate:
          `${name}, maand %{x}: %{y:.1f}% nog aan het werk ` +
          "(95%: %{customdata[0]:.1f}–%{customdata[1]:.1f}%), n gevolgd: %{customdata[2]}<extra></extra>",
      },
    ];
  }

  function survival(cohort) {
    const chosen = data.cohorts[cohort];
    const traces = [];
    if (chosen && !data.is_national) {
      traces.push(...curveTraces(data.name, chosen.region, DARK, BAND, "solid"));
    }
    if (chosen) {
      traces.push(
        ...curveTraces("Nederland", chosen.national, data.is_national ? DARK : GREY,
          data.is_national ? BAND : GREY_BAND, data.is_national ? "solid" : "dash")
      );
    }
    byId("survival-note").textContent = chosen ? chosen.note : "Nog geen cohort met gegevens.";
    return plot("survival-chart", traces, {
      xaxis: { title: { text: "maanden na de start" }, rangemode: "tozero", gridcolor: "#e3e3e3" },
      yaxis: { title: { text: "nog aan het werk (%)" }, range: [0, 101], gridcolor: "#e3e3e3" },
    });
  }

  function factorChart(factor) {
    const levels = (data.factors[factor] || { levels: [] }).levels;
    const labels = levels.map((l) => `${l.level} (n = ${l.people})`);
    const shown = levels.map((l) => l.retention);
    return plot(
      "factor-chart",
      [
        {
          type: "scatter",
          mode: "markers",
          name: data.is_national ? "Nederland" : data.name,
          y: labels,
          x: shown,
          customdata: levels.map((l) => [l.lower, l.upper, l.people]),
          error_x: {
            type: "data",
            symmetric: false,
            array: levels.map((l) => (l.upper === null || l.retention === null ? null : l.upper - l.retention)),
            arrayminus: levels.map((l) => (l.lower === null || l.retention === null ? null : l.retention - l.lower)),
            color: DARK,
          },
          marker: { color: DARK, size: 10 },
          hovertemplate:
            "%{y}: %{x:.1f}% na 12 maanden nog aan het werk " +
            "(95%: %{customdata[0]:.1f}–%{customdata[1]:.1f}%)<extra></extra>",
        },
      ].concat(
        data.is_national
          ? []
          : [
              {
                type: "scatter",
                mode: "markers",
                name: "Nederland",
                y: labels,
                x: levels.map((l) => l.national),
                marker: { color: GREY, symbol: "diamond-open", size: 10 },
                hovertemplate: "Nederland, %{y}: %{x:.1f}%<extra></extra>",
              },
            ]
      ),
      {
        margin: narrow() ? { l: 10, r: 10, t: 40, b: 50 } : { l: 170, r: 20, t: 40, b: 50 },
        xaxis: { title: { text: "nog aan het werk na 12 maanden (%)" }, range: [0, 101], gridcolor: "#e3e3e3" },
        yaxis: { type: "category", automargin: true },
        height: Math.max(220, 90 + 40 * levels.length),
      }
    );
  }

  function effects() {
    if (!data.effects || data.effects.rows.length === 0) return;
    const table = byId("effects-table");
    const head = document.createElement("tr");
    for (const column of data.effects.columns) {
      const th = document.createElement("th");
      th.textContent = column;
      th.scope = "col";
      head.appendChild(th);
    }
    table.tHead.replaceChildren(head);
    const dutch = (v) =>
      typeof v === "number" ? v.toLocaleString("nl-NL", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : v;
    for (const effect of data.effects.rows) row(table.tBodies[0], effect.map(dutch));
    byId("effects-scroll").hidden = false;
    byId("effects-note").textContent =
      "Hazard ratio per kenmerk met de andere kenmerken gelijk gehouden (kleiner dan 1: minder baanverlies), met 95%-betrouwbaarheidsinterval. " +
      "De vergelijkingsgroep (referentie) heeft per definitie 1. \"Landelijk model\": de regio heeft te weinig baanverliezen voor een eigen schatting; de landelijke staat er.";
  }

  function jobs() {
    const j = data.jobs;
    return plot(
      "jobs-chart",
      [
        { type: "bar", name: "Marktsector", x: j.labels, y: j.market, marker: { color: DARK },
          hovertemplate: "%{x}: %{y:,.1f} banen in de marktsector<extra></extra>" },
        { type: "bar", name: "Overheid", x: j.labels, y: j.government, marker: { color: "#8fa3bf" },
          hovertemplate: "%{x}: %{y:,.1f} banen bij de overheid<extra></extra>" },
        { type: "scatter", mode: "lines+markers", name: "Doel", x: j.labels, y: j.target,
          customdata: j.progress, line: { color: RED, dash: "dash" },
          hovertemplate: "%{x}: doel %{y:,.0f} banen; gerealiseerd %{customdata}<extra></extra>" },
      ],
      { barmode: "stack", yaxis: { title: { text: "banen van 25,5 uur" }, gridcolor: "#e3e3e3" },
        xaxis: { type: "category" } }
    );
  }

  function spinnenweb(wave) {
    const chosen = data.survey[wave];
    const body = byId("survey-table").tBodies[0];
    body.replaceChildren();
    if (!chosen) {
      row(body, ["Geen werkgeversenquête geladen", "", ""]);
      return plot("spinnenweb-chart", [], {
        annotations: [{ text: "Nog geen gegevens", showarrow: false, x: 0.5, y: 0.5, xref: "paper", yref: "paper" }],
        xaxis: { visible: false }, yaxis: { visible: false },
      });
    }
    for (const r of chosen.respondents) row(body, [r.name, r.people, r.employing]);
    const colours = [DARK, RED, GREY, "#8fa3bf"];
    const traces = chosen.webs.map((web, i) => ({
      type: "scatterpolar",
      mode: "lines+markers",
      name: web.name,
      r: web.scores.concat([web.scores[0]]),
      theta: chosen.elements.concat([chosen.elements[0]]),
      line: { color: colours[i % colours.length], dash: web.national ? "dash" : "solid" },
      hovertemplate: `${web.name}, %{theta}: %{r:.2f}<extra></extra>`,
    }));
    return plot("spinnenweb-chart", traces, {
      polar: { radialaxis: { range: [1, 5], tickvals: [1, 2, 3, 4, 5] } },
      margin: narrow() ? { l: 60, r: 60, t: 40, b: 40 } : { l: 110, r: 110, t: 50, b: 40 },
      legend: { orientation: "h", x: 0, y: -0.1 },
    });
  }

  function followup() {
    const body = byId("followup-table").tBodies[0];
    if (data.followup.length === 0) row(body, ["Geen vervolgmeting geladen", "", "", "", ""]);
    for (const f of data.followup) row(body, [f.wave, f.role, f.followed, f.employed, f.retention]);
  }

  function regionPage() {
    const quarters = data.quarters.map((q) => q.id);
    const latest = quarters[quarters.length - 1];
    const cohorts = Object.keys(data.cohorts);
    // first shown: the cohort followed longest (the latest of equals), not one just started
    const months = (c) => {
      const curve = data.is_national ? data.cohorts[c].national : data.cohorts[c].region;
      return curve.length ? curve[curve.length - 1].month : -1;
    };
    const cohort = cohorts.reduce((best, c) => (months(c) >= months(best) ? c : best), cohorts[0]);
    options(byId("cohort-choice"), cohorts.map((c) => [c, `${data.cohorts[c].label} (n = ${data.cohorts[c].people_text})`]), cohort);
    const factors = Object.keys(data.factors);
    options(byId("factor-choice"), factors.map((f) => [f, data.factors[f].label]), factors[0]);
    const waves = Object.keys(data.survey);
    options(byId("wave-choice"), waves.map((w) => [w, data.survey[w].label]), waves[waves.length - 1]);

    headline(latest);
    followup();
    effects();
    const drawn = [trend(latest), survival(cohort), factorChart(factors[0]), jobs(), spinnenweb(waves[waves.length - 1])];

    byId("quarter-choice").addEventListener("change", (e) => {
      headline(e.target.value);
      trend(e.target.value);
    });
    byId("cohort-choice").addEventListener("change", (e) => survival(e.target.value));
    byId("factor-choice").addEventListener("change", (e) => factorChart(e.target.value));
    byId("wave-choice").addEventListener("change", (e) => spinnenweb(e.target.value));
    return drawn;
  }

  // ---- the regions compared ----

  const sorting = { key: "value", descending: true };

  function compareRows() {
    const measure = data.measures.find((m) => m.key === byId("measure-choice").value);
    const quarter = measure.quarters[byId("quarter-choice").value];
    return { measure: measure, quarter: quarter };
  }

  function compareTable() {
    const { measure, quarter } = compareRows();
    const key = sorting.key;
    const number = (r) => (key === "people" ? parseInt(String(r.people).replace(/\./g, ""), 10) : r.value);
    const rows = quarter.regions.slice().sort((a, b) => {
      if (key === "code" || key === "name") {
        return (sorting.descending ? -1 : 1) * a[key].localeCompare(b[key], "nl");
      }
      const x = number(a), y = number(b);
      if (x === null || Number.isNaN(x)) return 1;
      if (y === null || Number.isNaN(y)) return -1;
      return sorting.descending ? y - x : x - y;
    });
    const body = byId("compare-table").tBodies[0];
    body.replaceChildren();
    for (const r of rows) row(body, [r.code, r.name, r.cohort ? `${r.text} (${r.cohort})` : r.text, r.people]);
    row(body, ["NL", "Nederland", quarter.national, ""], "national");
    // aria-sort on the sorted column only (ARIA: one at a time)
    for (const th of byId("compare-table").tHead.rows[0].cells) {
      if (th.dataset.sort === key) th.setAttribute("aria-sort", sorting.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    const chosen = data.quarters.find((q) => q.id === byId("quarter-choice").value);
    byId("compare-caption").textContent = `${measure.label}, ${chosen.label} (${chosen.period})`;
    byId("compare-note").textContent =
      measure.kind === "rate"
        ? "n: het aantal mensen achter het percentage. Een percentage over minder dan 10 mensen staat er niet, " +
          "en ook niet als minder dan 10 mensen het wel of niet hebben (\"x\"). Een voortschrijdend jaar: " +
          "de mensen die in de vier kwartalen tot en met het kwartaal begonnen, in een regio waar één kwartaal te weinig mensen heeft."
        : "Aantallen onder de 10 staan als \"<10\"; \"x\": niet getoond, zodat een klein aantal niet uit een totaal af te leiden is.";
  }

  function ranking() {
    const { measure, quarter } = compareRows();
    const shown = quarter.regions.filter((r) => r.value !== null).sort((a, b) => a.value - b.value);
    const unit = measure.kind === "rate" ? "%" : "";
    return plot(
      "ranking-chart",
      [
        {
          type: "bar",
          orientation: "h",
          name: measure.label,
          y: shown.map((r) => r.name),
          x: shown.map((r) => r.value),
          // the value, and the people behind it where there are (jobs are not people)
          customdata: shown.map((r) => (r.people === "–" ? r.text : `${r.text} (n = ${r.people})`)),
          marker: { color: DARK },
          hovertemplate: "%{y}: %{customdata}<extra></extra>",
        },
      ],
      {
        height: Math.max(300, 60 + 22 * shown.length),
        margin: narrow() ? { l: 10, r: 10, t: 40, b: 50 } : { l: 230, r: 30, t: 40, b: 50 },
        xaxis: { title: { text: measure.label + (unit ? " (%)" : "") }, gridcolor: "#e3e3e3", rangemode: "tozero" },
        yaxis: { type: "category", automargin: true },
        shapes:
          quarter.national_value === null || measure.kind === "count"
            ? []
            : [{ type: "line", xref: "x", yref: "paper", x0: quarter.national_value, x1: quarter.national_value,
                 y0: 0, y1: 1, line: { color: RED, dash: "dash", width: 2 } }],
        annotations:
          quarter.national_value === null || measure.kind === "count"
            ? []
            : [{ x: quarter.national_value, y: 1, xref: "x", yref: "paper", text: `Nederland ${quarter.national}`,
                 showarrow: false, yanchor: "bottom", font: { color: RED } }],
      }
    );
  }

  function comparePage() {
    const redraw = () => {
      compareTable();
      return ranking();
    };
    byId("measure-choice").addEventListener("change", redraw);
    byId("quarter-choice").addEventListener("change", redraw);
    // a <button> in each header: a click, Enter or Space sorts
    for (const button of byId("compare-table").tHead.querySelectorAll("button[data-sort]")) {
      button.addEventListener("click", () => {
        sorting.descending = sorting.key === button.dataset.sort ? !sorting.descending : true;
        sorting.key = button.dataset.sort;
        compareTable();
      });
    }
    return [redraw()];
  }

  // ---- downloads and printing ----

  // A chart as SVG (plotly.js writes it as a data: URL) or as PNG drawn from that SVG on a
  // canvas at twice the size: Plotly.downloadImage would load a blob: image, which the
  // Content-Security-Policy (img-src 'self' data:) refuses.
  function pngOf(svg, width, height) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = 2 * width;
        canvas.height = 2 * height;
        const context = canvas.getContext("2d");
        context.scale(2, 2);
        context.drawImage(image, 0, 0, width, height);
        resolve(canvas.toDataURL("image/png"));
      };
      image.onerror = reject;
      image.src = svg;
    });
  }

  async function saveImage(chart, format, name) {
    const width = Math.max(chart.clientWidth, 800);
    const height = chart.clientHeight;
    const svg = await Plotly.toImage(chart, { format: "svg", width: width, height: height });
    const link = document.createElement("a");
    link.href = format === "png" ? await pngOf(svg, width, height) : svg;
    link.download = `${name}.${format}`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function imageButtons() {
    for (const button of document.querySelectorAll("button.image-download")) {
      button.addEventListener("click", () => {
        const page = data.page === "compare" ? "vergelijk" : data.code;
        const name = `${page}-${button.dataset.chart.replace("-chart", "")}`;
        saveImage(byId(button.dataset.chart), button.dataset.format, name);
      });
    }
  }

  // Printed, a chart is as wide as an A4 page; after printing, as wide as the screen again.
  function printing() {
    const charts = () => document.querySelectorAll(".js-plotly-plot");
    window.addEventListener("beforeprint", () => {
      for (const chart of charts()) Plotly.relayout(chart, { width: PRINT_WIDTH });
    });
    window.addEventListener("afterprint", () => {
      for (const chart of charts()) Plotly.relayout(chart, { width: null, autosize: true });
    });
  }

  function start() {
    // the region chosen opens on the button, not on every arrow key in the list
    byId("region-go").addEventListener("click", () => {
      const target = byId("region-choice").value;
      if (target) window.location.href = target;
    });
    imageButtons();
    printing();
    const drawn = data.page === "compare" ? comparePage() : regionPage();
    Promise.all(drawn).then(() => {
      window.dashboardDrawn = performance.now();
      document.body.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
