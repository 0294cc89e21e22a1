// The menu counters of an open page refresh themselves every data-counter-seconds (the server does not count
// this as the user's activity unless the user typed or clicked since, so idle sign-out still happens, and
// the page warns five minutes before it). The tab's title shows the total, e.g.
// "(3) 本单位工单", so a page left in a background tab still says when work arrives. When the session has
// ended the page says so at once, before anything more is typed into it.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-todo-url");
  var seconds = parseInt(body.getAttribute("data-counter-seconds") || "0", 10);
  if (!url) return;
  var title = document.title;
  var timer = null;

  // the badge shows the number; a visually hidden "（32 件待处理）" after it is what a screen reader says
  function setBadge(link, count) {
    var badge = link.querySelector(".badge"), said = link.querySelector(".badge-said");
    if (!count) { if (badge) badge.remove(); if (said) said.remove(); return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.title = "待处理";
      link.appendChild(badge);
    }
    if (!said) {
      said = document.createElement("span");
      said.className = "sr-only badge-said";
      badge.insertAdjacentElement("afterend", said);
    }
    badge.textContent = String(count);
    said.textContent = "（" + count + (link.getAttribute("data-counter") === "announcements" ? " 条未读）" : " 件待处理）");
  }
  function show(data) {
    document.querySelectorAll("[data-counter]").forEach(function (link) {
      setBadge(link, data.counts[link.getAttribute("data-counter")] || 0);
    });
    var total = document.getElementById("todo-total");
    if (total) total.textContent = String(data.total);
    document.title = (data.total ? "(" + data.total + ") " : "") + title;
  }
  function signedOut(message) {
    clearInterval(timer);
    var warning = document.querySelector(".idle-warning");
    if (warning) warning.remove();
    if (document.querySelector(".session-ended")) return;
    var notice = document.createElement("div");
    notice.className = "flash flash-warning session-ended";
    notice.setAttribute("role", "alert");
    var drafts = document.querySelector("form[data-draft], [data-drafts] form");
    notice.textContent = message + (drafts ? " 本页未提交的内容已保留在本机，登录后回到本页即可恢复。" : "");
    var link = document.createElement("a");
    link.href = body.getAttribute("data-login-url") + "?next=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = "重新登录";
    notice.appendChild(document.createTextNode(" "));
    notice.appendChild(link);
    document.querySelector("main").prepend(notice);
  }
  // Idle sign-out counts from the user's last request. Typing and clicking in an open page are activity
  // too: the next refresh says so (?active=1), so only a page nobody touches for SESSION_IDLE_MINUTES
  // signs out, and five minutes before that the page warns, with a button to stay signed in.
  var idleMinutes = parseInt(body.getAttribute("data-idle-minutes") || "0", 10);
  var remembered = body.hasAttribute("data-remembered");  // 保持登录: idle time does not sign out
  var lastActivity = Date.now();
  var activeSinceRefresh = false;
  ["keydown", "mousedown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { activeSinceRefresh = true; }, { passive: true, capture: true });
  });
  function checkIdle() {
    var warning = document.querySelector(".idle-warning");
    if (remembered || !idleMinutes || document.querySelector(".session-ended")) return;
    var left = idleMinutes * 60000 - (Date.now() - lastActivity);
    if (left > 5 * 60000) { if (warning) warning.remove(); return; }
    if (!warning) {
      warning = document.createElement("div");
      warning.className = "flash flash-warning idle-warning";
      warning.setAttribute("role", "alert");
      var text = document.createElement("span");
      var stay = document.createElement("button");
      stay.type = "button";
      stay.className = "link";
      stay.textContent = "继续使用";
      stay.addEventListener("click", function () { activeSinceRefresh = true; refresh().then(checkIdle); });
      warning.appendChild(text);
      warning.appendChild(document.createTextNode(" "));
      warning.appendChild(stay);
      document.querySelector("main").prepend(warning);
    }
    warning.firstChild.textContent = "长时间未操作，约 " + Math.max(1, Math.ceil(left / 60000)) + " 分钟后将自动退出登录。";
  }
  window.ticketingIdle = {
    check: checkIdle,
    idleFor: function (minutes) { lastActivity = Date.now() - minutes * 60000; checkIdle(); },
  };

  function refresh() {
    var active = activeSinceRefresh;
    activeSinceRefresh = false;
    return fetch(url + (active ? "?active=1" : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.status === 401) signedOut(data.error);
          else if (response.ok) {
            if (active) lastActivity = Date.now();
            show(data);
          }
        });
      })
      .catch(function () { /* the network is down for a moment: the next round tries again */ });
  }
  window.refreshTodoCounts = refresh;
  show({ total: parseInt((document.getElementById("todo-total") || {}).textContent || "0", 10), counts: currentCounts() });
  function currentCounts() {
    var counts = {};
    document.querySelectorAll("[data-counter]").forEach(function (link) {
      var badge = link.querySelector(".badge");
      counts[link.getAttribute("data-counter")] = badge ? parseInt(badge.textContent, 10) : 0;
    });
    return counts;
  }
  setInterval(checkIdle, 30000);
  if (seconds > 0) {
    timer = setInterval(function () { if (!document.hidden || activeSinceRefresh) refresh(); }, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
})();
