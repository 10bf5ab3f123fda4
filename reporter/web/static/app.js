// The upload page. Every text that comes from the server or from a file is set with textContent
// (never as HTML), so names and messages in inputs cannot become markup.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

async function api(method, url, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const answer = await fetch(url, options);
  if (answer.status === 204) return null;
  const data = await answer.json().catch(() => ({ detail: answer.statusText }));
  if (!answer.ok) throw new Error(detailText(data.detail) || answer.statusText);
  return data;
}

function detailText(detail) {
  if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("\n");
  return detail;
}

function number(value, digits) {
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function size(bytes) {
  if (bytes >= 1 << 20) return `${number(bytes / (1 << 20), 1)} MB`;
  if (bytes >= 1024) return `${number(bytes / 1024, 1)} kB`;
  return `${bytes} B`;
}

// 1. Configuration

function showConfig(config) {
  const notes = $("config-notes");
  notes.replaceChildren();
  if (!config) return;
  $("config-current").textContent =
    `Configuration: ${config.organization}, period ${config.period} (from ${config.source}` +
    (config.sections.length ? `; sections: ${config.sections.join(", ")})` : ")");
  config.notes.forEach((note) => notes.append(el("li", note)));
  if (!$("report-period").value) $("report-period").placeholder = `${config.period} (the configuration's)`;
}

async function loadConfig() {
  showConfig(await api("GET", "/api/config"));
}

async function configUpload(event) {
  event.preventDefault();
  $("config-error").textContent = "";
  const file = $("config-file").files[0];
  if (!file) { $("config-error").textContent = "choose a TOML file first"; return; }
  const body = new FormData();
  body.append("file", file, file.name);
  try { showConfig(await api("POST", "/api/config", body)); await checkAll(); }
  catch (error) { $("config-error").textContent = error.message; }
}

async function configForm(event) {
  event.preventDefault();
  $("config-error").textContent = "";
  const form = {
    organization: $("form-organization").value, period: $("form-period").value,
    pue: $("form-pue").value === "" ? null : Number($("form-pue").value),
    energy_model: $("form-model").value, fallback: $("form-fallback").value,
  };
  try { showConfig(await api("POST", "/api/config/form", form)); await checkAll(); }
  catch (error) { $("config-error").textContent = error.message; }
}

async function template() {
  $("template-status").textContent = "";
  const lang = $("template-lang").value;
  const answer = await fetch(`/api/template?lang=${encodeURIComponent(lang)}`, { credentials: "same-origin" });
  if (!answer.ok) {
    const data = await answer.json().catch(() => ({ detail: answer.statusText }));
    $("template-status").textContent = data.detail;
    return;
  }
  save(await answer.blob(), lang === "en" ? "reporter-template.xlsx" : `reporter-template-${lang}.xlsx`);
}

function save(blob, name) {
  const link = el("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

// 2. Input files

function uploadRow(upload) {
  const row = el("tr");
  row.dataset.id = upload.id;
  row.append(el("td", upload.name), el("td", upload.kind), el("td", size(upload.size), "num"));
  const check = upload.check;
  if (!check) {
    row.append(el("td", "checking…", "status"), el("td"), el("td"), el("td"));
  } else if (check.error) {
    row.append(el("td", check.format || "—"), el("td"), el("td"));
    const cell = el("td");
    cell.append(el("span", check.where ? `${check.where}: ${check.error}` : check.error, "error"));
    row.append(cell);
  } else {
    row.append(el("td", check.format, "ok"),
      el("td", `${check.rows_read} / ${check.rows_used} / ${check.rows_excluded}`, "num"),
      el("td", check.period ? `${check.period.start} … ${check.period.end}` : "—"));
    const cell = el("td");
    if (check.problems.length) {
      const list = el("ul");
      check.problems.forEach((problem) => list.append(el("li", problem)));
      cell.append(list);
    } else cell.append(el("span", "none", "ok"));
    row.append(cell);
  }
  const remove = el("button", "remove", "small");
  remove.type = "button";
  remove.addEventListener("click", async () => { await api("DELETE", `/api/uploads/${upload.id}`); await loadUploads(); });
  const last = el("td");
  last.append(remove);
  row.append(last);
  return row;
}

function showUploads(uploads) {
  $("uploads").tBodies[0].replaceChildren(...uploads.map(uploadRow));
}

async function loadUploads() {
  showUploads(await api("GET", "/api/uploads"));
}

async function checkAll() {
  const uploads = await api("GET", "/api/uploads");
  for (const upload of uploads) await checkOne(upload.id);
}

async function checkOne(id) {
  const checked = await api("POST", `/api/uploads/${id}/validate`);
  const row = document.querySelector(`tr[data-id="${id}"]`);
  if (row) row.replaceWith(uploadRow(checked));
}

// Documentation and configuration files in a dropped folder are left out, as `reporter report` does
// for a folder (a configuration is chosen in step 1).
const NOT_INPUT = /(\.(md|txt|toml|py)$)|(^|\/)(readme|license|sources)(\.[^/]*)?$/i;

function sendFiles(all) {
  const files = all.filter((file) => !NOT_INPUT.test(file.webkitRelativePath || file.name));
  const left = all.length - files.length;
  $("upload-status").textContent = left ? `${left} documentation or configuration file(s) left out` : "";
  if (!files.length) return;
  const body = new FormData();
  for (const file of files) body.append("files", file, file.webkitRelativePath || file.name);
  const bar = $("upload-progress");
  bar.hidden = false;
  bar.value = 0;
  $("upload-error").textContent = "";
  $("upload-status").textContent = `uploading ${files.length} file(s)…` + (left ? ` (${left} left out)` : "");
  const request = new XMLHttpRequest();
  request.open("POST", "/api/uploads");
  request.upload.onprogress = (event) => { if (event.lengthComputable) bar.value = event.loaded / event.total; };
  request.onload = async () => {
    bar.hidden = true;
    let data = {};
    try { data = JSON.parse(request.responseText); } catch (error) { data = { detail: request.statusText }; }
    if (request.status !== 201) {
      $("upload-status").textContent = "";
      $("upload-error").textContent = detailText(data.detail) || `upload refused (${request.status})`;
      return;
    }
    $("upload-status").textContent = `${data.length} file(s) uploaded; checking…`;
    await loadUploads();
    for (const upload of data) await checkOne(upload.id);
    $("upload-status").textContent = `${data.length} file(s) uploaded and checked`;
  };
  request.onerror = () => { bar.hidden = true; $("upload-error").textContent = "the upload failed (connection lost)"; };
  request.send(body);
}

function setUpDrop() {
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    sendFiles(Array.from(event.dataTransfer.files));
  });
  $("files").addEventListener("change", (event) => { sendFiles(Array.from(event.target.files)); event.target.value = ""; });
  $("folder").addEventListener("change", (event) => { sendFiles(Array.from(event.target.files)); event.target.value = ""; });
}

// 3. Report, and 4. closing a month: both are jobs whose status is polled.

async function follow(job, bar, status) {
  bar.hidden = false;
  while (job.state === "queued" || job.state === "running") {
    bar.value = job.fraction;
    status.textContent = `${job.state}: ${job.stage}${job.detail ? ` (${job.detail})` : ""} — ${Math.round(job.fraction * 100)}%`;
    await new Promise((resolve) => setTimeout(resolve, 400));
    job = await api("GET", `/api/jobs/${job.id}`);
  }
  bar.value = job.fraction;
  bar.hidden = job.state !== "done";
  status.textContent = job.state === "done" ? `done in ${number(job.seconds, 1)} s` : "failed";
  return job;
}

function showResult(job) {
  const summary = job.summary;
  $("job-summary").textContent =
    `${summary.organization}, ${summary.period}: ${number(summary.energy_kwh / 1000, 3)} MWh, ` +
    `${number(summary.location_based_tco2e, 3)} tCO2e (location-based); ` +
    `${summary.rows_used} of ${summary.rows_read} input rows used.`;
  const list = $("downloads");
  list.replaceChildren();
  for (const name of job.files) {
    const item = el("li");
    const link = el("a", name);
    link.href = `/api/jobs/${job.id}/files/${encodeURIComponent(name)}`;
    link.download = name;
    item.append(link);
    list.append(item);
  }
  $("job-result").hidden = false;
}

async function generate(event) {
  event.preventDefault();
  $("job-error").textContent = "";
  $("job-result").hidden = true;
  $("generate").disabled = true;
  try {
    const period = $("report-period").value.trim();
    let job = await api("POST", "/api/report", period ? { period } : {});
    job = await follow(job, $("job-progress"), $("job-status"));
    if (job.state === "done") showResult(job);
    else $("job-error").textContent = job.error;
  } catch (error) {
    $("job-error").textContent = error.message;
  } finally {
    $("generate").disabled = false;
  }
}

async function lastReport() {
  const jobs = await api("GET", "/api/jobs");
  const last = jobs.find((job) => job.kind === "report" && job.state === "done");
  if (last) showResult(last);
}

async function loadHistory() {
  const versions = await api("GET", "/api/history");
  $("history-empty").hidden = versions.length > 0;
  $("versions").tBodies[0].replaceChildren(...versions.map((v) => {
    const row = el("tr");
    row.append(el("td", v.month), el("td", v.version, "num"), el("td", v.status),
      el("td", number(v.energy_kwh / 1000, 3), "num"), el("td", number(v.location_based_tco2e, 3), "num"),
      el("td", v.closed_at), el("td", v.reason || ""));
    return row;
  }));
}

async function closeMonth(event) {
  event.preventDefault();
  $("close-error").textContent = "";
  const request = { month: $("close-month").value.trim(), restate: $("close-restate").checked,
    reason: $("close-reason").value.trim() || null };
  try {
    let job = await api("POST", "/api/close", request);
    job = await follow(job, $("close-progress"), $("close-status"));
    if (job.state === "done") {
      const action = job.summary.action;
      $("close-status").textContent = action === "unchanged"
        ? `${request.month} is already closed with the same inputs and factors; nothing changed`
        : `${action} ${request.month}: version ${job.summary.version} in ${number(job.seconds, 1)} s`;
    } else $("close-error").textContent = job.error;
    await loadHistory();
  } catch (error) {
    $("close-error").textContent = error.message;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("config-upload").addEventListener("submit", configUpload);
  $("config-form").addEventListener("submit", configForm);
  $("template").addEventListener("click", template);
  if ((navigator.language || "").toLowerCase().startsWith("ko")) $("template-lang").value = "ko";  // a Korean browser
  $("report-form").addEventListener("submit", generate);
  $("close-form").addEventListener("submit", closeMonth);
  setUpDrop();
  try {
    await Promise.all([loadConfig(), loadUploads(), loadHistory(), lastReport()]);
  } catch (error) {
    $("config-error").textContent = error.message;
  }
});
