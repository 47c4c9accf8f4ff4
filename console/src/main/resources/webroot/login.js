"use strict";
document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await fetch("/api/login", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username: document.getElementById("username").value,
                          password: document.getElementById("password").value})});
  if (r.ok) { location.href = "/"; return; }
  const p = document.getElementById("login-error");
  p.textContent = (await r.json()).error; p.hidden = false;
});
