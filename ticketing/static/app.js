// Keyboard shortcuts used all day: Alt+N new call, Alt+F search box, Alt+J 下一件 (a ticket opened from a list).
(function () {
  document.addEventListener("keydown", function (event) {
    if (!event.altKey) return;
    if (event.key === "j" || event.key === "J") {
      var next = document.querySelector("[data-next-ticket]");
      if (next) { event.preventDefault(); window.location = next.href; }
    } else if (event.key === "n" || event.key === "N") {
      var link = document.querySelector('[data-nav="agent.new_call"]');
      if (link) { event.preventDefault(); window.location = link.href; }
    } else if (event.key === "f" || event.key === "F") {
      // the page's own search box: not the knowledge-base search inside the reply form (a ticket number typed
      // there found no 口径); without one, 工单查询 opens with the cursor in its box
      var search = document.querySelector('input[accesskey="f"]') ||
        document.querySelector('input[type=search]:not([data-answer-search])');
      if (search) { event.preventDefault(); search.focus(); }
      else {
        var query = document.querySelector('[data-nav="tickets.index"]');
        if (query) { event.preventDefault(); window.location = query.href + "#search"; }
      }
    }
  });
  // Ctrl+Enter in a textarea submits its form, with the button its data-ctrl-enter names (当场答复内容: 当场答复并办结)
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      var form = event.target.form, wanted = event.target.getAttribute("data-ctrl-enter");
      if (!form) return;
      event.preventDefault();
      // a submit button: a restored draft's notice puts its 清除 (type=button) first in the form, and Ctrl+Enter
      // cleared what had just been restored instead of saving it
      var button = (wanted && form.querySelector('button[value="' + wanted + '"]')) ||
        form.querySelector("button.primary:not([type=button])") || form.querySelector("button:not([type=button])");
      button.click();
    }
  });
})();
// 全选: a checkbox with data-check-all="FORM_ID" ticks every checkbox that belongs to that form
document.addEventListener("change", function (event) {
  var formId = event.target.getAttribute && event.target.getAttribute("data-check-all");
  if (!formId) return;
  document.querySelectorAll('input[type=checkbox][form="' + formId + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});
// 插入答复口径: a select with data-insert-into="TEXTAREA_ID" puts the chosen answer at the cursor
function insertAtCursor(area, text) {
  var start = area.selectionStart || 0, end = area.selectionEnd || 0;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.dispatchEvent(new Event("input", { bubbles: true }));  // the draft keeps it too
  area.focus();
  area.selectionStart = area.selectionEnd = start + text.length;
}
// Arrow keys on a closed select change it at once in Chromium: walking the answers by keyboard would insert the
// first. By keyboard the answer is inserted with Enter; a choice made with the mouse (or an opened list) at once.
var walkedByKeyboard = false;
function insertChosen(select) {
  var area = document.getElementById(select.getAttribute("data-insert-into"));
  if (!area || !select.value) return;
  insertAtCursor(area, select.value);
  select.value = "";
}
document.addEventListener("keydown", function (event) {
  if (!(event.target.getAttribute && event.target.getAttribute("data-insert-into"))) return;
  if (event.key === "Enter") { event.preventDefault(); insertChosen(event.target); }
  else walkedByKeyboard = ["ArrowDown", "ArrowUp", "Home", "End", "PageDown", "PageUp"].indexOf(event.key) >= 0 || /^.$/.test(event.key);
});
document.addEventListener("change", function (event) {
  if (!(event.target.getAttribute && event.target.getAttribute("data-insert-into"))) return;
  if (walkedByKeyboard) { walkedByKeyboard = false; return; }
  insertChosen(event.target);
});
document.addEventListener("mousedown", function () { walkedByKeyboard = false; });
// 搜索口径 (知识库) beside a reply: an input with data-answer-search="TEXTAREA_ID" and data-search-url lists the
// answers found under it (Enter searches); 插入 puts one at the cursor
document.querySelectorAll("[data-answer-search]").forEach(function (input) {
  var area = document.getElementById(input.getAttribute("data-answer-search"));
  var list = document.createElement("div");
  list.className = "answer-hits small";
  input.insertAdjacentElement("afterend", list);
  function show(items) {
    list.textContent = items.length ? "" : "没有找到相关口径";
    items.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "link"; button.title = item.content;
      button.textContent = "插入：" + item.category + " " + item.title + (item.partial ? "（部分匹配）" : "");
      button.addEventListener("click", function () { insertAtCursor(area, item.content); });
      list.appendChild(button);
    });
  }
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();  // searching, not submitting the reply
    var q = input.value.trim();
    if (!q) { list.textContent = ""; return; }
    fetch(input.getAttribute("data-search-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { show(data.items.slice(0, 8)); })
      .catch(function () { list.textContent = "口径搜索暂不可用"; });
  });
});
// A part of a page that is slow to compute (可能重复的工单) is fetched after the page is shown
document.querySelectorAll("[data-fragment-url]").forEach(function (box) {
  fetch(box.getAttribute("data-fragment-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    .then(function (response) { return response.ok ? response.text() : ""; })
    .then(function (html) { box.innerHTML = html; })
    .catch(function () { box.innerHTML = ""; });
});
// 复制口径: a button with data-copy="ELEMENT_ID" copies that element's text (intranet pages are often plain
// HTTP, where the Clipboard API is missing, so a selected hidden textarea and execCommand are the fallback)
document.addEventListener("click", function (event) {
  var sourceId = event.target.getAttribute && event.target.getAttribute("data-copy");
  if (!sourceId) return;
  var source = document.getElementById(sourceId), button = event.target;
  if (!source) return;
  var text = source.textContent.trim();
  function done(ok) {
    var label = button.textContent;
    button.textContent = ok ? "已复制" : "复制失败，请手动选择";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  function fallback() {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area); button.focus();
    done(ok);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
  } else {
    fallback();
  }
});
// A form sent back with errors puts the cursor in the first field that has one, not in the form's usual first field.
// Otherwise, on a ticket's page, the cursor starts in the step the ticket waits for from this user (data-next-step:
// 签收, 派发, 答复, 批准延期, 退回审核, 回访), unless a link named another form (#contact-form …).
document.addEventListener("DOMContentLoaded", function () {
  var wrong = document.querySelector(".field.has-error input:not([type=hidden]), .field.has-error textarea, .field.has-error select");
  if (wrong) { wrong.focus(); return; }
  var step = !window.location.hash && document.querySelector("form[data-next-step]");
  var first = step && (step.querySelector("textarea") ||
    step.querySelector("select, input:not([type=hidden]):not([type=search]), button"));
  if (first && !document.querySelector(".flash-error")) {
    first.focus({ preventScroll: true });
    // at 200 % zoom the step (签收, 答复, 回访) is below the fold: the cursor should not be somewhere unseen
    var box = first.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth) {
      first.scrollIntoView({ block: "center", inline: "nearest" });
    }
  }
});
// A wide table scrolls in its own box (.table-scroll) when the window is narrow (zoom); only then is the box a
// Tab stop, to be scrolled with the arrow keys: a table that fits is no extra Tab on the way to the forms.
function tabToScrollingTables() {
  document.querySelectorAll(".table-scroll").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  });
}
document.addEventListener("DOMContentLoaded", tabToScrollingTables);
window.addEventListener("resize", tabToScrollingTables);
// A link to a form on the page (#follow-up-form, #contact-form) puts the cursor in its first field; after
// the load, because the browser's own scroll to the fragment takes the focus away from anything focused earlier
window.addEventListener("load", function () {
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target && target.tagName === "INPUT") { setTimeout(function () { target.focus(); }, 0); return; }
  if (!target || target.tagName !== "FORM") return;
  var first = target.querySelector("textarea, input:not([type=hidden]), select");
  if (first) setTimeout(function () { first.focus(); }, 0);
});
// A form on a long page (督办) comes back to its own section (#overdue), far below the messages at the top: they
// move into that section, so that "请先勾选工单" or "不能执行督办" is seen where the person is working
document.addEventListener("DOMContentLoaded", function () {
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  var said = document.querySelectorAll("main > .flash[role=alert]");
  if (!target || !said.length) return;
  var parent, before;
  if (/^H[1-6]$/.test(target.tagName)) {  // a heading (#attachments): below it, not inside it
    parent = target.parentNode; before = target.nextSibling;
  } else if (target.tagName === "SECTION" || target.classList.contains("panel")) {
    var heading = target.querySelector("h2, h3");
    parent = heading ? heading.parentNode : target; before = heading ? heading.nextSibling : target.firstChild;
  } else {
    return;  // a form, a field (#search): the messages stay at the top
  }
  said.forEach(function (flash) {
    flash.classList.add("flash-moved");
    parent.insertBefore(flash, before);
  });
});
// A form is sent once: a second Enter or click while the first is on its way is dropped (one call made two tickets,
// one 来电催办 counted 催2). Runs last (on window, after the page's own checks), so a form a check stopped stays
// sendable; the mark goes after a few seconds, or when the page is shown again from the back button.
window.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
  var sentAt = Number(form.getAttribute("data-sent-at") || 0);
  if (sentAt && Date.now() - sentAt < 8000) { event.preventDefault(); return; }
  form.setAttribute("data-sent-at", String(Date.now()));
  // Back (or Forward) to this page: the browser would put back what the form held when it was sent, also what was
  // saved, with no sign that it was (Back after 保存 showed the call again, and Enter made a second ticket of it; a
  // 来电催办 the same). A form sent keeps no such state; a form left unsent (words typed, tickets ticked for a batch)
  // does, as before. A sign-in form is left to the browser's password manager.
  if (!form.querySelector("input[type=password]")) form.setAttribute("autocomplete", "off");
});
window.addEventListener("pageshow", function (event) {
  document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
    if (event.persisted) form.reset();  // kept by the browser as it was sent: what it held was saved
    form.removeAttribute("data-sent-at");
  });
});
// Printed, a list's folded parts (热点诉求's 逐件查看) are printed open: only the first group's tickets were on paper
// (a print review). Those opened for printing fold again afterwards; forms folded in <details class="remove"> stay.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open]):not(.remove)").forEach(function (details) {
    details.setAttribute("open", "");
    details.setAttribute("data-opened-for-print", "");
  });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-opened-for-print]").forEach(function (details) {
    details.removeAttribute("open");
    details.removeAttribute("data-opened-for-print");
  });
});

// 派发: the department (and the rule that chose it) follow the category picked, as the routing rules send this
// ticket under it (each option carries its department and reason)
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-routes-to]")) return;
  var option = select.options[select.selectedIndex], department = document.getElementById(select.dataset.routesTo);
  var reason = document.getElementById(select.dataset.routesTo + "-reason");
  // a category the rules send nowhere (its department switched off): no department is kept from the last one
  if (department && option && option.dataset.department !== undefined) department.value = option.dataset.department;
  if (reason) reason.textContent = option && option.dataset.reason ? option.dataset.reason : "";
});

// 正在回访: while the page of a callback this agent is making stays open and in use, the claim is renewed every few
// minutes, so that a long call is not handed to a colleague; if another agent has it now, the page says so. A page
// nobody has touched for the claim's minutes renews nothing (it held the citizen back from every other agent while
// its agent was at lunch): the claim lapses, and a key or a click takes it again if it is still free
(function () {
  var mine = document.getElementById("callback-mine");
  if (!mine) return;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var said = mine.textContent, idleAfter = parseInt(mine.getAttribute("data-claim-minutes"), 10) * 60 * 1000;
  var touched = Date.now(), renewed = Date.now(), idle = false;
  function post(body) {
    return fetch(mine.getAttribute("data-renew-url"), {
      method: "POST", headers: { "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded" }, body: body,
    });
  }
  function renew() {
    renewed = Date.now();
    post("").then(function (r) { return r.json(); })
      .then(function (data) {
        if (idle) return;  // an answer that came back after the page fell idle says nothing now
        if (data.mine) mine.textContent = said;
        else if (data.by) mine.textContent = data.by + " 现在正在回访此件，请勿重复回访。";
      })
      .catch(function () {});
  }
  ["keydown", "pointerdown", "input", "wheel"].forEach(function (kind) {
    document.addEventListener(kind, function () {
      touched = Date.now();
      if (idle) { idle = false; renew(); }  // back at the page: take the call again, or hear who has it
    }, true);
  });
  // looked at every minute: renewed every four while in use; given back as soon as the page falls idle
  setInterval(function () {
    if (idle) return;
    if (Date.now() - touched > idleAfter) {
      idle = true;
      post("give_back=1").catch(function () {});
      mine.textContent = "本页 " + (idleAfter / 60000) + " 分钟无操作，此件已交还，其他话务员现在可以回访；继续回访请按任意键或点击本页。";
    } else if (Date.now() - renewed >= 4 * 60 * 1000) {
      renew();
    }
  }, 60 * 1000);
})();
