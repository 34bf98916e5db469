// distscout dashboard: a few lines of vanilla JS. Data is only ever inserted with textContent.
"use strict";

function authHeaders() {
  const token = document.getElementById("api-token").value.trim();
  return token ? { Authorization: "Bearer " + token } : {};
}

function say(text) {
  document.getElementById("recover-message").textContent = text;
}

async function pollRun() {
  const button = document.getElementById("recover-all");
  button.disabled = true;
  document.getElementById("integrity").dataset.runStatus = "running";
  for (;;) {
    const answer = await fetch("/api/integrity/run", { headers: authHeaders() });
    const body = await answer.json();
    const run = body.run;
    if (!answer.ok || !run) { say(body.error || "no repair has run"); break; }
    document.getElementById("run-status").textContent = run.status + " (run " + run.id + ")";
    if (run.status !== "running") {
      const outcome = run.outcome || {};
      say(run.status === "done"
        ? "done: " + (outcome.rechecks_queued || []).length + " rechecks queued, "
          + (outcome.reprocessed || []).length + " rebuilt locally"
        : "failed: " + run.error);
      document.getElementById("integrity").dataset.runStatus = run.status;
      setTimeout(() => window.location.reload(), 1500);
      break;
    }
    say("in progress…");
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
  button.disabled = false;
}

async function recoverAll() {
  say("starting…");
  const answer = await fetch("/api/admin/integrity", { method: "POST", headers: authHeaders() });
  const body = await answer.json();
  if (!answer.ok) { say("refused (" + answer.status + "): " + body.error); return; }
  await pollRun();
}

document.addEventListener("DOMContentLoaded", () => {
  const recover = document.getElementById("recover-all");
  if (recover) {
    recover.addEventListener("click", recoverAll);
    if (document.getElementById("integrity").dataset.runStatus === "running") pollRun();
  }
});
