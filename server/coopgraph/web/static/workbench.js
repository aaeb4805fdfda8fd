/* The query workbench: YASQE editor, examples, results (table, map, network, chart).
   Talks only to this server: /sparql for queries and labels, /.well-known/void for the
   completion of classes and properties. */
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const S = page.strings;
  const $ = function (id) { return document.getElementById(id); };
  const BASE = page.base;
  const CG = page.prefixes.cg;

  /* ---- completion from our own prefixes and from the VoID description ---- */
  const Yasqe = Yasgui.Yasqe;
  const prefixList = Object.keys(page.prefixes).sort().map(function (p) {
    return p + ": <" + page.prefixes[p] + ">";
  });
  let voidTerms = null;
  function fetchVoid() {
    if (!voidTerms) {
      voidTerms = fetch("/.well-known/void", {headers: {Accept: "application/n-triples"}})
        .then(function (r) { return r.text(); })
        .then(function (nt) {
          const classes = new Set(), props = new Set();
          nt.split("\n").forEach(function (line) {
            const m = line.match(/^\S+ <http:\/\/rdfs\.org\/ns\/void#(class|property)> <([^>]+)>/);
            if (m) (m[1] === "class" ? classes : props).add(m[2]);
          });
          return {classes: Array.from(classes).sort(), properties: Array.from(props).sort()};
        });
    }
    return voidTerms;
  }
  Yasqe.forkAutocompleter("prefixes", {name: "cgPrefixes", persistenceId: null,
    get: function () { return Promise.resolve(prefixList); }}, false);
  Yasqe.forkAutocompleter("class", {name: "cgClasses", bulk: true, persistenceId: null,
    get: function () { return fetchVoid().then(function (v) { return v.classes; }); }}, false);
  Yasqe.forkAutocompleter("property", {name: "cgProperties", bulk: true, persistenceId: null,
    get: function () { return fetchVoid().then(function (v) { return v.properties; }); }}, false);

  const yasqe = new Yasqe($("editor"), {
    persistenceId: null, consumeShareLink: null, createShareableLink: null,
    showQueryButton: false, resizeable: true, editorHeight: "320px", prefixCcApi: null,
    autocompleters: ["cgPrefixes", "variables", "cgClasses", "cgProperties"],
    requestConfig: {endpoint: "/sparql", method: "POST"},
  });
  yasqe.addKeyMap({"Ctrl-Enter": function () { run(); }, "Cmd-Enter": function () { run(); }});
  window.coopYasqe = yasqe;

  /* ---- examples ---- */
  const examples = {};
  page.examples.forEach(function (e) { examples[e.name] = e; });
  document.querySelectorAll(".load-example").forEach(function (b) {
    b.addEventListener("click", function () {
      yasqe.setValue(examples[b.dataset.name].text);
      run();
    });
  });
  $("run").addEventListener("click", function () { run(); });

  /* ---- running ---- */
  function local(iri) {
    if (iri.indexOf(CG) === 0) return "/ontology#" + iri.slice(CG.length);
    if (iri.indexOf(BASE) === 0) return "/" + iri.slice(BASE.length);
    return iri;
  }
  function post(query, accept) {
    return fetch("/sparql", {method: "POST", headers: {
      "Content-Type": "application/x-www-form-urlencoded", Accept: accept},
      body: "query=" + encodeURIComponent(query)});
  }
  function readableError(status, body) {
    let message = body;
    try { const j = JSON.parse(body); message = j.message || j.error || body; } catch (e) { /* text */ }
    const why = {400: page.lang === "fr" ? "Requête invalide" : "Invalid query",
      403: page.lang === "fr" ? "Requête refusée" : "Query refused",
      413: page.lang === "fr" ? "Requête ou résultat trop grand" : "Query or result too large",
      503: page.lang === "fr" ? "Délai dépassé ou serveur occupé" : "Time limit reached or server busy",
      504: page.lang === "fr" ? "Délai dépassé" : "Time limit reached"}[status] || S.error;
    return why + " (HTTP " + status + ") : " + message;
  }
  let state = null;
  function run() {
    const query = yasqe.getValue();
    const url = new URL(window.location.href);
    url.searchParams.set("query", query);
    history.replaceState(null, "", url.pathname + url.search);
    $("dl-csv").href = "/sparql?format=csv&query=" + encodeURIComponent(query);
    $("dl-json").href = "/sparql?format=json&query=" + encodeURIComponent(query);
    $("downloads").hidden = false;
    $("status").textContent = S.running;
    $("status").className = "";
    return post(query, "application/sparql-results+json, text/turtle;q=0.9")
      .then(function (r) {
        return r.text().then(function (body) {
          if (!r.ok) throw new Error(readableError(r.status, body));
          return {type: r.headers.get("Content-Type") || "", body: body};
        });
      })
      .then(function (res) {
        if (res.type.indexOf("json") < 0) { showGraph(res.body); return; }
        const json = JSON.parse(res.body);
        if ("boolean" in json) { showBoolean(json.boolean); return; }
        return show(json.head.vars, json.results.bindings);
      })
      .catch(function (err) {
        $("status").textContent = err.message;
        $("status").className = "error";
        document.querySelector(".views").hidden = true;
      });
  }
  function showBoolean(b) {
    $("status").textContent = "ASK → " + b;
    $("results").innerHTML = "";
  }
  function showGraph(text) {
    $("status").textContent = "CONSTRUCT / DESCRIBE";
    const pre = document.createElement("pre");
    pre.textContent = text;
    $("results").replaceChildren(pre);
  }
  function iriValues(rows) {
    const iris = new Set();
    rows.forEach(function (row) {
      Object.keys(row).forEach(function (v) { if (row[v].type === "uri") iris.add(row[v].value); });
    });
    return Array.from(iris).slice(0, 300);
  }
  function values(iris) { return iris.map(function (i) { return "<" + i + ">"; }).join(" "); }
  function fetchLabels(iris) {
    if (!iris.length) return Promise.resolve({});
    const q = "SELECT ?x ?l WHERE { VALUES ?x { " + values(iris) + " } " +
      "{ ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } UNION " +
      "{ ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l } }";
    return post(q, "application/sparql-results+json").then(function (r) { return r.json(); })
      .then(function (j) {
        const found = {};
        j.results.bindings.forEach(function (b) {
          const lang = b.l["xml:lang"] || "";
          (found[b.x.value] = found[b.x.value] || {})[lang] = b.l.value;
        });
        return found;
      }).catch(function () { return {}; });
  }
  function pickLabel(labels, iri) {
    const l = labels[iri];
    if (!l) return null;
    return l[page.lang] || l[page.lang === "fr" ? "en" : "fr"] || l[""] || Object.values(l)[0];
  }
  function show(vars, rows) {
    const iris = iriValues(rows);
    return fetchLabels(iris).then(function (labels) {
      state = {vars: vars, rows: rows, labels: labels, iris: iris};
      $("status").textContent = rows.length + " " + S.rows;
      renderTable();
      enableViews();
      selectView("table");
    });
  }

  /* ---- table (click a header to sort) ---- */
  let sortBy = null, sortDir = 1;
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = local(term.value);
      a.textContent = pickLabel(state.labels, term.value) || term.value;
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) {
        td.lang = term["xml:lang"];
        const tag = document.createElement("span");
        tag.className = "muted";
        tag.textContent = " @" + term["xml:lang"];
        td.appendChild(tag);
      }
      if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)) {
        td.className = "num";
      }
    }
    return td;
  }
  function sortKey(term) {
    if (!term) return "";
    if (term.type === "uri") return (pickLabel(state.labels, term.value) || term.value).toLowerCase();
    const n = Number(term.value);
    return term.datatype && !isNaN(n) && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)
      ? n : term.value.toLowerCase();
  }
  function renderTable() {
    const table = document.createElement("table");
    table.className = "data";
    const head = table.createTHead().insertRow();
    state.vars.forEach(function (v) {
      const th = document.createElement("th");
      th.scope = "col";
      th.tabIndex = 0;
      th.textContent = v;
      if (v === sortBy) th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      const sort = function () {
        sortDir = sortBy === v ? -sortDir : 1;
        sortBy = v;
        state.rows.sort(function (a, b) {
          const x = sortKey(a[v]), y = sortKey(b[v]);
          return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
        });
        renderTable();
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      head.appendChild(th);
    });
    const body = table.createTBody();
    state.rows.forEach(function (row) {
      const tr = body.insertRow();
      state.vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
    });
    if (!state.rows.length) {
      $("results").textContent = S.no_results;
    } else {
      $("results").replaceChildren(table);
    }
  }

  /* ---- which views suit the results ---- */
  const NUMERIC = /#(integer|decimal|double|float|int|long|nonNegativeInteger)$/;
  function coordinates() {
    const lat = state.vars.find(function (v) { return /^lat/i.test(v); });
    const lon = state.vars.find(function (v) { return /^(lon|lng|long)/i.test(v); });
    const pts = [];
    state.rows.forEach(function (row) {
      if (lat && lon && row[lat] && row[lon]) {
        pts.push({lat: Number(row[lat].value), lon: Number(row[lon].value), row: row});
      }
      state.vars.forEach(function (v) {
        const m = row[v] && /^\s*POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)/i.exec(row[v].value);
        if (m) pts.push({lat: Number(m[2]), lon: Number(m[1]), row: row});
      });
    });
    return pts.filter(function (p) { return !isNaN(p.lat) && !isNaN(p.lon); });
  }
  function countriesQuery(iris) {
    /* the countries the result's resources are, or lie in, with their names */
    return "PREFIX cg: <" + CG + "> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " +
      "SELECT DISTINCT ?x ?code WHERE { VALUES ?x { " + values(iris) + " } " +
      "?x cg:country? ?country . ?country cg:iso3166Alpha3 ?code }";
  }
  function networkEdges() {
    const edges = [];
    state.rows.forEach(function (row) {
      const linked = state.vars.filter(function (v) { return row[v] && row[v].type === "uri"; });
      for (let i = 1; i < linked.length; i++) {
        edges.push({source: row[linked[0]].value, target: row[linked[i]].value, label: linked[i]});
      }
    });
    return edges;
  }
  function chartColumns() {
    const numeric = state.vars.filter(function (v) {
      return state.rows.length && state.rows.every(function (r) {
        return r[v] && r[v].datatype && NUMERIC.test(r[v].datatype);
      });
    });
    const other = state.vars.filter(function (v) { return numeric.indexOf(v) < 0; });
    return numeric.length >= 1 && other.length >= 1 ? {values: numeric, label: other} : null;
  }
  const DATES = /#(date|dateTime|gYear|gYearMonth)$/;
  function dateColumn() {
    return state.vars.find(function (v) {
      return state.rows.some(function (r) { return r[v] && r[v].datatype && DATES.test(r[v].datatype); });
    });
  }
  function enableViews() {
    document.querySelector(".views").hidden = false;
    const btn = function (name) { return document.querySelector('.views [data-view="' + name + '"]'); };
    btn("map").disabled = !(coordinates().length || state.iris.length);
    btn("network").disabled = networkEdges().length === 0;
    btn("chart").disabled = !chartColumns();
    btn("timeline").disabled = !dateColumn();
  }
  document.querySelectorAll(".views button").forEach(function (b) {
    b.addEventListener("click", function () { selectView(b.dataset.view); });
  });
  function selectView(name) {
    document.querySelectorAll(".views button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.view === name));
    });
    ["table", "map", "network", "chart", "timeline"].forEach(function (v) { $("view-" + v).hidden = v !== name; });
    if (name === "map") drawMap();
    if (name === "network") drawNetwork();
    if (name === "chart") drawChart();
    if (name === "timeline") drawTimeline();
  }
  function rowHtml(row) {
    return state.vars.filter(function (v) { return row[v]; }).map(function (v) {
      const t = row[v];
      const text = t.type === "uri" ? (pickLabel(state.labels, t.value) || t.value) : t.value;
      const esc = String(text).replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
      return "<b>" + v + "</b> : " + (t.type === "uri" ? '<a href="' + local(t.value) + '">' + esc + "</a>" : esc);
    }).join("<br>");
  }

  /* ---- map: points for coordinates, countries for the resources' countries ---- */
  let mapView = null;
  function drawMap() {
    const el = $("view-map");
    if (mapView) { mapView.map.remove(); el.replaceChildren(); }
    const snapshot = state;
    return CoopMap.create(el).then(function (m) {
      mapView = m;
      m.map.invalidateSize();
      const pts = coordinates().map(function (p) { return {lat: p.lat, lon: p.lon, html: rowHtml(p.row)}; });
      m.points(pts);
      if (!snapshot.iris.length) return;
      return post(countriesQuery(snapshot.iris), "application/sparql-results+json")
        .then(function (r) { return r.json(); })
        .then(function (j) {
          const byCode = {}, popups = {};
          j.results.bindings.forEach(function (b) {
            (byCode[b.code.value] = byCode[b.code.value] || new Set()).add(b.x.value);
          });
          Object.keys(byCode).forEach(function (code) {
            popups[code] = Array.from(byCode[code]).map(function (x) {
              return '<a href="' + local(x) + '">' + (pickLabel(snapshot.labels, x) || x) + "</a>";
            }).join("<br>");
          });
          const found = m.highlight(popups);
          el.dataset.countries = String(found);
          el.dataset.points = String(pts.length);
        });
    });
  }

  /* ---- network ---- */
  let cy = null;
  function drawNetwork() {
    const nodes = {}, elements = [];
    networkEdges().forEach(function (e, i) {
      [e.source, e.target].forEach(function (n) {
        if (!nodes[n]) {
          nodes[n] = true;
          elements.push({data: {id: n, label: pickLabel(state.labels, n) || n.split(/[/#]/).pop()}});
        }
      });
      elements.push({data: {id: "e" + i, source: e.source, target: e.target, label: e.label}});
    });
    if (cy) cy.destroy();
    cy = cytoscape({container: $("view-network"), elements: elements,
      layout: {name: "cose", animate: false, nodeRepulsion: function () { return 12000; },
        idealEdgeLength: function () { return 70; }, padding: 30},
      style: [
        {selector: "node", style: {label: "data(label)", "font-size": 10, "text-wrap": "ellipsis",
          "text-max-width": 160, "background-color": "#2f7bd1", width: 14, height: 14,
          "text-background-color": "#fff", "text-background-opacity": 0.8}},
        {selector: "edge", style: {label: "data(label)", "font-size": 7, color: "#5b6474",
          "text-rotation": "autorotate",
          "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1,
          "line-color": "#9aa6b8", "target-arrow-color": "#9aa6b8"}}]});
    cy.on("tap", "node", function (evt) { window.location.href = local(evt.target.id()); });
    window.coopNetwork = cy;
  }

  /* ---- bar chart for aggregates (plain HTML bars, one colour per numeric column) ---- */
  const COLOURS = ["#2f7bd1", "#d1822f", "#3c9a5f", "#8e4fb8"];
  function drawChart() {
    const cols = chartColumns();
    const max = {};
    cols.values.forEach(function (v) {
      max[v] = Math.max.apply(null, state.rows.map(function (r) { return Number(r[v].value); })) || 1;
    });
    const box = document.createElement("div");
    box.className = "chart";
    const legend = document.createElement("p");
    cols.values.forEach(function (v, i) {
      const key = document.createElement("span");
      key.className = "badge";
      key.style.cssText = "color:#fff;background:" + COLOURS[i % COLOURS.length];
      key.textContent = v;
      legend.appendChild(key);
    });
    box.appendChild(legend);
    state.rows.slice(0, 200).forEach(function (r) {
      const name = cols.label.map(function (v) {
        const t = r[v];
        return !t ? "" : t.type === "uri" ? (pickLabel(state.labels, t.value) || t.value) : t.value;
      }).filter(function (x, i, all) { return x && all.indexOf(x) === i; }).join(" · ");
      const line = document.createElement("div");
      line.className = "bar-row";
      const label = document.createElement("span");
      label.textContent = name;
      const bars = document.createElement("span");
      cols.values.forEach(function (v, i) {
        const n = Number(r[v].value);
        const bar = document.createElement("span");
        bar.className = "bar";
        bar.style.cssText = "background:" + COLOURS[i % COLOURS.length] + ";width:" +
          Math.max(2, 100 * n / max[v]) + "%";
        bar.textContent = String(n);
        bar.title = v + " = " + n;
        bars.appendChild(bar);
      });
      line.append(label, bars);
      box.appendChild(line);
    });
    $("view-chart").replaceChildren(box);
  }

  /* ---- timeline: the rows in date order, grouped by year ---- */
  function drawTimeline() {
    const column = dateColumn();
    const dated = state.rows.filter(function (r) { return r[column]; }).slice().sort(function (a, b) {
      return a[column].value < b[column].value ? -1 : a[column].value > b[column].value ? 1 : 0;
    });
    const list = document.createElement("ol");
    list.className = "timeline";
    let year = null;
    dated.forEach(function (row) {
      const y = row[column].value.slice(0, 4);
      if (y !== year) {
        year = y;
        const head = document.createElement("li");
        head.className = "year";
        head.textContent = y;
        list.appendChild(head);
      }
      const item = document.createElement("li");
      const when = document.createElement("time");
      when.textContent = row[column].value;
      /* one line: the first resource (its label, linked), then the other values */
      const main = state.vars.find(function (v) { return row[v] && row[v].type === "uri"; });
      const shown = [];
      const what = document.createElement("span");
      if (main) {
        const a = document.createElement("a");
        a.href = local(row[main].value);
        a.textContent = pickLabel(state.labels, row[main].value) || row[main].value;
        shown.push(a.textContent);
        what.appendChild(a);
      }
      const rest = state.vars.filter(function (v) {
        return v !== column && v !== main && row[v] && row[v].value !== y;
      }).map(function (v) {
        const t = row[v];
        return t.type === "uri" ? (pickLabel(state.labels, t.value) || t.value) : t.value;
      }).filter(function (text) { return shown.indexOf(text) < 0; });
      if (rest.length) {
        const more = document.createElement("span");
        more.className = "muted";
        more.textContent = (main ? " — " : "") + rest.join(" · ");
        what.appendChild(more);
      }
      item.append(when, what);
      list.appendChild(item);
    });
    $("view-timeline").replaceChildren(list);
  }

  /* ---- the query kept in the URL ---- */
  const initial = new URL(window.location.href).searchParams.get("query");
  if (initial) {
    yasqe.setValue(initial);
    run();
  } else if (page.examples.length) {
    yasqe.setValue(page.examples[0].text);
  }
})();
