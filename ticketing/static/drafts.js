// Drafts: what is typed into a form marked data-draft (or any form inside [data-drafts]) is kept in this
// browser until the server says it was saved, so a session that ended (idle sign-out, a restart, a
// network fault) or a click elsewhere loses nothing. Coming back to the form, the draft is put back with
// a notice and a 清除 button. A draft belongs to the signed-in user (body[data-user]): another user
// signing in on this computer never sees it and it is removed; signing out removes the user's drafts,
// and a draft older than 12 hours is dropped. Passwords, file fields and hidden fields are never kept.
(function () {
  var PREFIX = "ticketing-draft:";
  var SENT = "ticketing-draft-sent";
  var MAX_AGE_MS = 12 * 3600 * 1000;
  var user = document.body.getAttribute("data-user");
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }
  if (!user) return;  // the login page: keep every draft for whoever signs in next

  function read(key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }
  function drop(key) { store.removeItem(key); }

  // another user's drafts, and stale ones, go
  for (var i = store.length - 1; i >= 0; i--) {
    var key = store.key(i);
    if (key && key.indexOf(PREFIX) === 0) {
      var draft = read(key);
      if (!draft || draft.owner !== user || Date.now() - draft.saved > MAX_AGE_MS) drop(key);
    }
  }
  // the form sent last: a success message on this page means the server kept it
  var sent = window.sessionStorage.getItem(SENT);
  window.sessionStorage.removeItem(SENT);
  if (sent && document.querySelector(".flash-success")) drop(sent);

  function keyOf(form) {
    // one form address can take different requests (复查 then 复核): data-draft-key tells their drafts apart
    var path = new URL(form.getAttribute("action") || window.location.pathname, window.location.href).pathname;
    return PREFIX + path + (form.getAttribute("data-draft-key") ? "#" + form.getAttribute("data-draft-key") : "");
  }
  function kept(element) {
    var type = (element.type || "").toLowerCase();
    if (!element.name || element.disabled || element.name === "csrf_token") return false;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && ["text", "tel", "date", "number", "email", "radio", "checkbox", ""].indexOf(type) >= 0;
  }
  function elementsOf(form) { return Array.prototype.filter.call(form.elements, kept); }
  function isChecked(element) { return element.type === "radio" || element.type === "checkbox"; }
  function unchanged(element) {
    if (isChecked(element)) return element.checked === element.defaultChecked;
    if (element.tagName === "SELECT") {
      return Array.prototype.every.call(element.options, function (o) { return o.selected === o.defaultSelected; })
        || !Array.prototype.some.call(element.options, function (o) { return o.defaultSelected; }) && element.selectedIndex === 0;
    }
    return element.value === element.defaultValue;
  }
  function fieldId(element) { return element.name + (isChecked(element) ? "=" + element.value : ""); }

  function save(form) {
    var elements = elementsOf(form), fields = {}, changed = false;
    elements.forEach(function (element) {
      // a server default left as it was (today's date) is not kept: put back tomorrow, it would be yesterday's
      if (element.hasAttribute("data-draft-default") && unchanged(element)) return;
      fields[fieldId(element)] = isChecked(element) ? element.checked : element.value;
      if (!unchanged(element)) changed = true;
    });
    if (changed) store.setItem(keyOf(form), JSON.stringify({ owner: user, saved: Date.now(), fields: fields }));
    else drop(keyOf(form));
  }
  function clear(form, notice) {
    drop(keyOf(form));
    elementsOf(form).forEach(function (element) {
      if (isChecked(element)) element.checked = element.defaultChecked;
      else if (element.tagName === "SELECT") Array.prototype.forEach.call(element.options, function (o) { o.selected = o.defaultSelected; });
      else element.value = element.defaultValue;
      element.dispatchEvent(new Event("input", { bubbles: true }));
    });
    notice.remove();
    form.dispatchEvent(new CustomEvent("draft-cleared", { bubbles: true }));  // the form's own script starts afresh
    var first = elementsOf(form).filter(function (e) { return e.type !== "hidden" && e.offsetParent !== null; })[0];
    if (first) first.focus();  // the cursor was left on the removed button (on the page's body): the form begins again
  }
  function restore(form) {
    // a form opened for something new (来电弹屏: the next call) takes no draft of the one before, even when none of
    // what it was opened with could be filled in (the last caller's number and call id came back under the new call)
    if (form.hasAttribute("data-draft-fresh")) return;
    var draft = read(keyOf(form));
    var elements = elementsOf(form);
    // only into a form the server sent empty: one it sent back with values (a refused entry) shows those
    if (!draft || !elements.every(unchanged)) return;
    // (a value the server fills in as a default, today's date, marked data-draft-default, does not count)
    if (elements.some(function (e) {
      return !isChecked(e) && e.tagName !== "SELECT" && e.defaultValue !== "" && !e.hasAttribute("data-draft-default");
    })) return;
    elements.forEach(function (element) {
      var value = draft.fields[fieldId(element)];
      if (value === undefined) return;
      if (isChecked(element)) element.checked = value; else element.value = value;
      element.dispatchEvent(new Event("input", { bubbles: true }));
      element.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var notice = document.createElement("div");
    notice.className = "flash flash-info draft-notice";
    notice.setAttribute("role", "status");
    // the pages' own format (2026-12-04 18:36); "尚未保存" holds for a form never sent and for one the server refused
    var saved = new Date(draft.saved);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var when = saved.getFullYear() + "-" + two(saved.getMonth() + 1) + "-" + two(saved.getDate()) + " " +
      two(saved.getHours()) + ":" + two(saved.getMinutes());
    notice.textContent = "已恢复 " + when + " 填写、尚未保存的内容，请核对后提交。";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = "清除";
    button.addEventListener("click", function () { clear(form, notice); });
    notice.appendChild(document.createTextNode(" "));
    notice.appendChild(button);
    form.insertBefore(notice, form.firstChild);  // inside the form: a page laid out in columns keeps its layout
    var folded = form.closest("details");  // a form folded away (申诉 on 我的质检): unfold it to show what came back
    if (folded) folded.open = true;
  }

  document.querySelectorAll("form[data-draft], [data-drafts] form").forEach(function (form) {
    if (form.querySelector("input[type=password]")) return;
    restore(form);
    var timer = null;
    var later = function () { clearTimeout(timer); timer = setTimeout(function () { save(form); }, 300); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () {
      clearTimeout(timer);
      save(form);
      window.sessionStorage.setItem(SENT, keyOf(form));
    });
  });
  // a form that ends another form's draft when the server takes it (无效来电 ends the call form's)
  document.querySelectorAll("form[data-ends-draft]").forEach(function (form) {
    var other = document.getElementById(form.getAttribute("data-ends-draft"));
    if (!other) return;
    form.addEventListener("submit", function () { window.sessionStorage.setItem(SENT, keyOf(other)); });
  });
  document.querySelectorAll("form[data-clears-drafts]").forEach(function (form) {
    form.addEventListener("submit", function () {
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf(PREFIX) === 0) drop(key);
      }
    });
  });
})();
