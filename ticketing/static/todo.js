// The menu counters of an open page refresh themselves every data-todo-seconds (the server does not count
// this as the user's activity, so idle sign-out still happens). The tab's title shows the total, e.g.
// "(3) 本单位工单", so a page left in a background tab still says when work arrives. When the session has
// ended the page says so at once, before anything more is typed into it.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-todo-url");
  var seconds = parseInt(body.getAttribute("data-todo-seconds") || "0", 10);
  if (!url) return;
  var title = document.title;
  var timer = null;

  function setBadge(link, count) {
    var badge = link.querySelector(".badge");
    if (!count) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.title = "待处理";
      link.appendChild(badge);
    }
    badge.textContent = String(count);
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
  function refresh() {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.status === 401) signedOut(data.error);
          else if (response.ok) show(data);
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
  if (seconds > 0) {
    timer = setInterval(function () { if (!document.hidden) refresh(); }, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
})();
