// The review page: keep an API key for this tab, start or follow a request, watch its nodes over SSE, read
// the suite under review (highlighted by the server), discuss it, approve it and download it.
// Everything the service sends is put in the page as text, except the server's highlighted code.

const API = "/api/v1";
const KEY_STORAGE = "testops.apiKey";
// The action of the review interrupt (vocabulary/review.py: REVIEW_ACTION).
const REVIEW_ACTION = "review_suite";
const EVENT_NAMES = ["metadata", "updates", "custom", "end"];
const MAX_RETRY_MS = 30000;
// The verdicts of the tests a suite delivers (tools/suite_analysis.py: DELIVERED).
const DELIVERED = new Set(["passed", "finding", "skipped"]);

const $ = (id) => document.getElementById(id);

const page = {
  requestId: null,
  lastEventId: null,
  stream: null,
  retryTimer: null,
  retries: 0,
  ended: false,
  waiting: false,
  reviewLoad: null,
  reviewStale: false,
};

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${apiKey()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      // Not the service's JSON error (a proxy's page, say): the status line is all there is.
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

const getJson = async (path) => (await call("GET", path)).json();
const postJson = async (path, body) => (await call("POST", path, body)).json();

function element(tag, { text, className, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function describeFailure(error) {
  if (error instanceof ApiError && error.status === 401) return `${error.message} — enter a valid API key.`;
  return error.message;
}

// ---- The key -------------------------------------------------------------------------------------------

function showKeyState() {
  const hasKey = apiKey() !== "";
  $("key-state").textContent = hasKey ? "API key set for this tab" : "No API key";
  $("start").disabled = !hasKey;
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
  $("api-key").value = "";
  showKeyState();
});

$("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showKeyState();
});

// ---- Starting or choosing a request --------------------------------------------------------------------

function chosenKind() {
  return $("start-form").elements.kind.value;
}

function showKindFields() {
  for (const fields of document.querySelectorAll(".fields[data-kind]")) {
    fields.hidden = fields.dataset.kind !== chosenKind();
  }
}

for (const radio of $("start-form").elements.kind) radio.addEventListener("change", showKindFields);

function requestBody(kind) {
  const requirements = $("requirements").value.split("\n").map((line) => line.trim()).filter(Boolean);
  const options = { review: $("with-review").checked };
  if (kind === "ui") return { url: $("page-url").value.trim(), requirements, options };
  const body = { openapi_url: $("openapi-url").value.trim(), requirements, options };
  const baseUrl = $("base-url").value.trim();
  if (baseUrl) body.base_url = baseUrl;
  return body;
}

$("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("start-error").textContent = "";
  const kind = chosenKind();
  try {
    const accepted = await postJson(`/requests/${kind}`, requestBody(kind));
    follow(accepted.request_id);
  } catch (error) {
    $("start-error").textContent = `Not started: ${describeFailure(error)}`;
  }
});

$("open-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("start-error").textContent = "";
  const requestId = $("request-id").value.trim();
  if (requestId) follow(requestId);
});

// ---- Following the run ---------------------------------------------------------------------------------

function follow(requestId) {
  closeStream();
  Object.assign(page, { requestId, lastEventId: null, ended: false, retries: 0, waiting: false });
  // In the query, not the fragment, which the skip links change: a reload follows the same request.
  history.replaceState(null, "", `?request=${encodeURIComponent(requestId)}`);
  $("current-request").textContent = requestId;
  $("timeline").replaceChildren();
  $("messages").replaceChildren();
  $("chat-error").textContent = "";
  clearReview();
  setWaiting(false);
  setStatus("pending");
  setDownloadable(false, "The suite can be downloaded once the request has completed.");
  openStream();
}

function closeStream() {
  clearTimeout(page.retryTimer);
  page.stream?.close();
  page.stream = null;
}

function setStreamState(text) {
  $("stream-state").textContent = text;
}

function setStatus(status) {
  $("current-status").textContent = status.replaceAll("_", " ");
}

// EventSource sends no headers: trade the key for a token that opens this request's stream only. A new
// EventSource cannot send Last-Event-ID either, so the last id seen goes in the URL; the browser's own
// reconnections send the header, which the server prefers.
async function openStream() {
  const requestId = page.requestId;
  setStreamState("connecting");
  let grant;
  try {
    grant = await postJson(`/requests/${requestId}/stream-token`);
  } catch (error) {
    if (requestId !== page.requestId) return;
    setStreamState(`closed: ${describeFailure(error)}`);
    if (error.status === 429 || error.status >= 500) retryLater();
    return;
  }
  if (requestId !== page.requestId) return;
  const url = new URL(`${API}/requests/${requestId}/events`, location.origin);
  url.searchParams.set("stream_token", grant.token);
  if (page.lastEventId) url.searchParams.set("last_event_id", page.lastEventId);
  const source = new EventSource(url);
  page.stream = source;
  source.addEventListener("open", () => {
    page.retries = 0;
    setStreamState("live");
  });
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (message) => received(source, name, message));
  }
  // One event type for both: the service's own `error` events carry data, the connection's do not.
  source.addEventListener("error", (message) => {
    if (message instanceof MessageEvent) {
      received(source, "error", message);
    } else if (page.stream === source) {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (an expired token, the server restarting): a new token, after the last event seen.
        page.stream = null;
        retryLater();
      } else {
        setStreamState("reconnecting");
      }
    }
  });
}

function retryLater() {
  const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** page.retries);
  page.retries += 1;
  setStreamState(`reconnecting in ${Math.round(delay / 1000)} s`);
  page.retryTimer = setTimeout(openStream, delay);
}

function received(source, name, message) {
  if (page.stream !== source) return;
  if (message.lastEventId) page.lastEventId = message.lastEventId;
  const data = JSON.parse(message.data);
  if (name === "end") {
    source.close();
    page.stream = null;
    page.ended = true;
    setStreamState("closed: the run ended");
  }
  onEvent(name, data);
}

function nodeLine(data) {
  const parts = [`${data.node} ${data.event}`];
  if (data.duration_s !== undefined) parts[0] += ` in ${data.duration_s.toFixed(1)} s`;
  const counts = Object.entries(data.counts ?? {}).map(([name, count]) => `${name} ${count}`);
  if (counts.length) parts.push(counts.join(", "));
  return parts.join(" · ");
}

function addTimeline(text, className = "") {
  const list = $("timeline");
  list.append(element("li", { text, className }));
  list.scrollTop = list.scrollHeight;
}

function onEvent(name, data) {
  if (name === "metadata") {
    const worker = data.worker ? ` by ${data.worker}` : "";
    addTimeline(`picked up${worker}${data.redelivered ? " (delivered again)" : ""}`);
  } else if (name === "updates") {
    addTimeline(nodeLine(data), data.event);
  } else if (name === "custom" && data.type === "status") {
    setStatus(data.status);
    addTimeline(`status: ${data.status.replaceAll("_", " ")}`, "status");
    setWaiting(data.status === "waiting_for_review");
    if (data.status === "waiting_for_review") loadReview();
  } else if (name === "custom" && data.type === "review") {
    addTimeline("review answered", "status");
  } else if (name === "error") {
    addTimeline(`error: ${data.message ?? data.error}`, "error");
  } else if (name === "end") {
    setStatus(data.status);
    setWaiting(false);
    addTimeline(`ended: ${data.status}`, data.status === "completed" ? "finished" : "failed");
    if (data.status === "completed") showStoredSuite();
    else setDownloadable(false, `No suite: the request ${data.status}${data.error ? ` (${data.error})` : ""}.`);
  }
}

// ---- The suite under review ----------------------------------------------------------------------------

function clearReview() {
  $("review-state").textContent = "Nothing waits for review yet.";
  for (const id of ["summary", "findings", "tests", "repaired", "dropped"]) $(id).replaceChildren();
  $("coverage").tBodies[0].replaceChildren();
  for (const id of ["findings-empty", "repaired-empty", "dropped-empty"]) $(id).hidden = false;
}

// Loads at most one at a time; a status arriving meanwhile loads again once that one is done.
async function loadReview() {
  if (page.reviewLoad) {
    page.reviewStale = true;
    return;
  }
  const requestId = page.requestId;
  page.reviewLoad = (async () => {
    try {
      const request = await getJson(`/requests/${requestId}`);
      if (requestId !== page.requestId || !request.review) return;
      await showReview(request.review);
      await loadMessages();
    } catch (error) {
      $("review-state").textContent = `Could not load the review: ${describeFailure(error)}`;
    }
  })();
  await page.reviewLoad;
  page.reviewLoad = null;
  if (page.reviewStale) {
    page.reviewStale = false;
    loadReview();
  }
}

async function showReview(review) {
  const action = review.action_requests.find((request) => request.name === REVIEW_ACTION);
  const config = review.review_configs.find((item) => item.action_name === REVIEW_ACTION);
  const suite = action.args;
  $("review-state").textContent = action.description;
  $("approve").dataset.allowed = String(config.allowed_decisions.includes("approve"));
  setWaiting(page.waiting);
  showSummary(suite.summary);
  showCoverage(suite.coverage);
  showFindings(suite.findings);
  showList("repaired", suite.repaired);
  showList("dropped", suite.dropped.map((drop) => droppedLine(drop)));
  await showTests(suite.tests.map((test) => ({
    heading: `${test.number}. ${test.name}`,
    meta: [test.verdict, test.category, test.requirement].filter(Boolean).join(" · "),
    code: test.code,
  })));
}

function showSummary(summary) {
  const facts = [
    ["Tests", `${summary.tests_generated} generated, ${summary.tests_passed} passed`],
    ["Findings", String(summary.findings_count)],
    ["Requirements covered", `${summary.requirements_covered} of ${summary.requirements_total}`],
    ["Spec coverage", `${summary.spec_coverage_exercised} of ${summary.spec_coverage_total}`],
  ];
  $("summary").replaceChildren(...facts.flatMap(([term, value]) => [
    element("dt", { text: term }), element("dd", { text: value }),
  ]));
}

function showCoverage(coverage) {
  $("coverage").tBodies[0].replaceChildren(...coverage.map((row) => element("tr", {}, [
    element("td", { text: `${row.requirement_id}: ${row.text}` }),
    element("td", { text: row.covered ? "yes" : "no", className: row.covered ? "covered" : "uncovered" }),
    element("td", { text: row.covered ? row.test_ids.join(", ") : row.reason }),
  ])));
}

function showFindings(findings) {
  $("findings-empty").hidden = findings.length > 0;
  $("findings").replaceChildren(...findings.map((finding) => {
    const details = [
      element("dt", { text: "Failing assertion" }),
      element("dd", {}, [element("pre", { text: finding.assertion, className: "exchange" })]),
      element("dt", { text: "What the target did" }),
      element("dd", {}, [element("pre", { text: finding.evidence, className: "exchange" })]),
    ];
    if (finding.screenshot_path) {
      details.push(element("dt", { text: "Screenshot" }), element("dd", { text: finding.screenshot_path }));
    }
    return element("li", { className: "card finding" }, [
      element("h4", { text: `Test ${finding.number}: ${finding.title}` }),
      element("p", { text: finding.test_id, className: "meta" }),
      element("dl", {}, details),
    ]);
  }));
}

function droppedLine(drop) {
  const which = drop.number ? `${drop.number}. ${drop.test_id}` : drop.test_id;
  return `${which}: ${drop.reason}${drop.note ? ` — “${drop.note}”` : ""}`;
}

function showList(id, lines) {
  $(id).replaceChildren(...lines.map((line) => element("li", { text: line })));
  $(`${id}-empty`).hidden = lines.length > 0;
}

// Cards first (readable at once), their code folded (a suite is long), highlighted by the server in one call.
async function showTests(tests) {
  const blocks = tests.map(() => element("div", { className: "code", text: "Highlighting…" }));
  $("tests").replaceChildren(...tests.map((test, index) => element("li", { className: "card" }, [
    element("details", {}, [
      element("summary", {}, [
        element("h4", { text: test.heading }),
        element("span", { text: test.meta, className: "meta" }),
      ]),
      blocks[index],
    ]),
  ])));
  $("unfold-tests").disabled = tests.length === 0;
  if (!tests.length) return;
  const { html } = await postJson("/highlight", { sources: tests.map((test) => test.code) });
  // Pygments escapes every character of the code: this HTML holds only its own spans.
  blocks.forEach((block, index) => { block.innerHTML = html[index]; });
}

$("unfold-tests").addEventListener("click", () => {
  const folds = [...$("tests").querySelectorAll("details")];
  const open = !folds.every((fold) => fold.open);
  for (const fold of folds) fold.open = open;
});

async function showStoredSuite() {
  const requestId = page.requestId;
  try {
    const rows = await getJson(`/requests/${requestId}/tests`);
    if (requestId !== page.requestId) return;
    const delivered = rows.filter((row) => DELIVERED.has(row.validation_status));
    $("review-state").textContent = `Completed: ${delivered.length} tests stored.`;
    await showTests(delivered.map((row, index) => ({
      heading: `${index + 1}. ${row.test_name}`,
      meta: [row.validation_status, row.category, row.requirement_ids.join(", ")].filter(Boolean).join(" · "),
      code: row.test_code,
    })));
    setDownloadable(true, `${delivered.length} tests, ready for pytest.`);
  } catch (error) {
    setDownloadable(false, `The stored suite could not be read: ${describeFailure(error)}`);
  }
}

// ---- The conversation ----------------------------------------------------------------------------------

function setWaiting(waiting) {
  page.waiting = waiting;
  $("send").disabled = !waiting;
  $("approve").disabled = !waiting || $("approve").dataset.allowed === "false";
}

function showMessage(message) {
  const who = message.role === "reviewer" ? "You" : "Review";
  const item = element("li", { className: message.role }, [
    element("span", { text: who, className: "who" }),
    element("p", { text: message.text }),
  ]);
  $("messages").append(item);
  item.scrollIntoView({ block: "nearest" });
}

async function loadMessages() {
  const requestId = page.requestId;
  const conversation = await getJson(`/requests/${requestId}/messages`);
  if (requestId !== page.requestId) return;
  $("messages").replaceChildren();
  conversation.messages.forEach(showMessage);
  setWaiting(conversation.waiting);
}

async function send(text) {
  $("chat-error").textContent = "";
  setWaiting(false);
  try {
    const answer = await postJson(`/requests/${page.requestId}/messages`, { message: text });
    showMessage(answer.message);
    showMessage(answer.reply);
    $("message").value = "";
    // A question leaves the run waiting; an answer resumes it, and its status events say so.
    const conversation = await getJson(`/requests/${page.requestId}/messages`);
    setWaiting(conversation.waiting);
  } catch (error) {
    $("chat-error").textContent = `Not sent: ${describeFailure(error)}`;
    setWaiting(error.status !== 409);
  }
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (text) send(text);
});

$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("chat-form").requestSubmit();
  }
});

$("approve").addEventListener("click", () => send("approve"));

// ---- The download --------------------------------------------------------------------------------------

function setDownloadable(ready, text) {
  $("download").disabled = !ready;
  $("suite-state").textContent = text;
}

// A link cannot carry the key's header: fetch the zip, then save it from memory.
$("download").addEventListener("click", async () => {
  const requestId = page.requestId;
  try {
    const blob = await (await call("GET", `/requests/${requestId}/tests.zip`)).blob();
    const link = element("a", { attrs: { href: URL.createObjectURL(blob), download: `testops-${requestId}.zip` } });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    setDownloadable(false, `Not downloaded: ${describeFailure(error)}`);
  }
});

// ---- Start ---------------------------------------------------------------------------------------------

showKeyState();
showKindFields();
const followed = new URLSearchParams(location.search).get("request");
if (followed && apiKey()) follow(followed);
