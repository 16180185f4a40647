// The API's interactive documentation (/api/v1/docs): reads openapi.json, lists every operation by tag
// with its parameters and body, and sends a request with the token typed on the page. Our own file:
// no CDN, no inline script, text only through textContent (nothing from the description is run as HTML).
(function () {
  "use strict";
  const root = document.getElementById("api-docs");
  if (!root) return;
  const words = JSON.parse(root.dataset.words || "{}");

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => c && node.appendChild(c));
    return node;
  }

  function resolve(spec, schema) {
    let s = schema || {};
    for (let i = 0; i < 10 && s.$ref; i++) {
      s = s.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
    }
    return s;
  }

  // A body to start from: each property of the schema with a value of its type.
  function skeleton(spec, schema, depth) {
    const s = resolve(spec, schema);
    if ((depth || 0) > 3) return null;
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
    if (s.enum) return s.enum[0];
    if (type === "object" || s.properties) {
      const out = {};
      Object.entries(s.properties || {}).forEach(([k, v]) => {
        if (!resolve(spec, v).readOnly) out[k] = skeleton(spec, v, (depth || 0) + 1);
      });
      return out;
    }
    if (type === "array") return [];
    if (type === "integer" || type === "number") return 1;
    if (type === "boolean") return false;
    if (s.format === "date") return new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10);
    return "";
  }

  function operation(spec, path, method, op) {
    const params = (op.parameters || []).map((p) => resolve(spec, p));
    const inputs = {};
    const rows = params.map((p) => {
      const input = el("input", { type: "text", name: p.name, placeholder: p.in + (p.required ? " · " + words.required : "") });
      inputs[p.name] = { input, where: p.in };
      return el("label", { class: "param" }, [el("span", { text: p.name + " " }), input]);
    });
    const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    const body = content
      ? el("textarea", { rows: "8", class: "json", "aria-label": words.body })
      : null;
    if (body) body.value = JSON.stringify(skeleton(spec, content.schema), null, 2);
    const result = el("pre", { class: "api-result", "aria-live": "polite" });
    const send = el("button", { type: "button", class: "primary small", text: words.send });
    send.addEventListener("click", async () => {
      let url = path;
      const query = new URLSearchParams();
      const headers = { Accept: "application/json" };
      Object.entries(inputs).forEach(([name, { input, where }]) => {
        const value = input.value.trim();
        if (where === "path") url = url.replace("{" + name + "}", encodeURIComponent(value));
        else if (value && where === "query") query.set(name, value);
        else if (value && where === "header") headers[name] = value;
      });
      const token = document.getElementById("api-token").value.trim();
      if (token) headers.Authorization = "Bearer " + token;
      const init = { method: method.toUpperCase(), headers, credentials: "omit" };
      if (body) {
        headers["Content-Type"] = "application/json";
        init.body = body.value;
      }
      const qs = query.toString();
      try {
        const response = await fetch(url + (qs ? "?" + qs : ""), init);
        const text = await response.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
        const etag = response.headers.get("ETag");
        result.textContent = response.status + " " + response.statusText + (etag ? "\nETag: " + etag : "") + "\n\n" + shown;
      } catch (err) {
        result.textContent = String(err);
      }
    });
    const codes = Object.keys(op.responses || {}).join(" · ");
    const id = ("op-" + method + path).replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "");
    return el("details", { class: "api-op", id: id }, [
      el("summary", {}, [
        el("span", { class: "method method-" + method, text: method.toUpperCase() }),
        el("code", { text: " " + path + " " }),
        el("span", { class: "muted", text: op.summary || "" }),
      ]),
      op.description ? el("p", { class: "small", text: op.description }) : null,
      rows.length ? el("div", { class: "params" }, [el("h4", { text: words.parameters })].concat(rows)) : null,
      body ? el("div", {}, [el("h4", { text: words.body }), body]) : null,
      el("p", { class: "muted small", text: words.response + ": " + codes }),
      send,
      result,
    ]);
  }

  fetch(root.dataset.spec, { credentials: "omit" })
    .then((r) => r.json())
    .then((spec) => {
      root.textContent = "";
      const intro = el("section", { class: "card" }, [
        el("h2", { text: spec.info.title + " " + spec.info.version + " · OpenAPI " + spec.openapi }),
        el("p", { class: "small pre-line", text: spec.info.description || "" }),
      ]);
      root.appendChild(intro);
      const byTag = {};
      Object.entries(spec.paths).forEach(([path, item]) => {
        ["get", "post", "patch", "put", "delete"].forEach((method) => {
          if (!item[method]) return;
          const op = { ...item[method], parameters: [...(item.parameters || []), ...(item[method].parameters || [])] };
          const tag = (op.tags || ["API"])[0];
          (byTag[tag] = byTag[tag] || []).push(operation(spec, path, method, op));
        });
      });
      const tags = Object.fromEntries((spec.tags || []).map((t) => [t.name, t.description]));
      Object.entries(byTag).forEach(([tag, ops]) => {
        root.appendChild(el("section", { class: "card api-tag" }, [
          el("h2", { text: tags[tag] || tag }),
          el("p", { class: "muted small", text: tag }),
        ].concat(ops)));
      });
    })
    .catch(() => { root.textContent = words.failed; });
})();
