// One Plotly figure (ui/charts.py): plotly.js with the app's trace types only (scripts/build_plotly.sh), served by the app itself
// (shell/static/js), loaded once per page and shared by every chart on it.
const BUNDLE = "app/static/js/plotly-opsplan.min.js";

function plotly() {
  // Resolved against the page's base, so a server under a path prefix serves it too.
  window.opsplanPlotly = window.opsplanPlotly || new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL(BUNDLE, document.baseURI).href;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => { window.opsplanPlotly = null; reject(new Error(`cannot load ${BUNDLE}`)); };
    document.head.appendChild(script);
  });
  return window.opsplanPlotly;
}

// What st.plotly_chart's selection held, for the callers' point.get("curve_number"), point["x"].
function selected(points) {
  return points.map((p) => ({
    curve_number: p.curveNumber, point_number: p.pointNumber, point_index: p.pointIndex,
    x: p.x, y: p.y, customdata: p.customdata,
  }));
}

// A click selects its points, a double click clears them. Plotly reports a double click's clicks too
// (one of them after it), so a click waits out the double-click delay before it is sent.
const DOUBLE_CLICK_MS = 300;

function listen(div, setStateValue) {
  let pending = null, cleared = 0;
  div.removeAllListeners("plotly_click");
  div.removeAllListeners("plotly_doubleclick");
  div.on("plotly_click", (event) => {
    if (Date.now() - cleared < DOUBLE_CLICK_MS) return;
    const points = selected(event.points);
    clearTimeout(pending);
    pending = setTimeout(() => setStateValue("selection", { points }), DOUBLE_CLICK_MS);
  });
  div.on("plotly_doubleclick", () => {
    clearTimeout(pending);
    cleared = Date.now();
    setStateValue("selection", { points: [] });
  });
}

export default function ({ parentElement, data, setStateValue }) {
  if (data.preload) {  // no figure: load plotly.js once the browser is idle (ui/preload.py)
    (window.requestIdleCallback || setTimeout)(() => plotly().catch(() => {}));
    return;
  }
  const div = parentElement.querySelector(".opsplan-chart");
  const { figure, config, selectable, failed } = data;
  let disposed = false, resize = null;  // a newer figure or an unmount before plotly.js arrived
  div.style.minHeight = `${figure.layout.height || 450}px`;  // the figure's room while plotly.js loads: nothing below jumps
  plotly().then((Plotly) => {
    if (disposed || !div.isConnected) return;
    const title = figure.layout.title;
    if (title?.text && !title.text.startsWith("<b>")) title.text = `<b>${title.text}</b>`;  // as Streamlit drew titles
    Plotly.react(div, figure.data, figure.layout, config);
    if (selectable) listen(div, setStateValue);
    // The column's width changes with the window and the sidebar: redraw to fit. Only then: the
    // observer also reports the first size, and Plots.resize would lay the figure out again.
    let width = div.clientWidth;
    resize = new ResizeObserver(() => {
      if (!div.isConnected || div.clientWidth === width) return;
      width = div.clientWidth;
      Plotly.Plots.resize(div);
    });
    resize.observe(div);
  }).catch((error) => {
    div.textContent = failed.replace("{error}", error.message);
  });
  return () => { disposed = true; resize?.disconnect(); };
}
