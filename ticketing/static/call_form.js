// The call form: live classifier suggestions, similar tickets and the caller's history.
(function () {
  var form = document.getElementById("call-form");
  if (!form) return;
  var url = form.dataset.assistUrl;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var content = document.getElementById("content"), title = document.getElementById("title");
  var phone = document.getElementById("caller_phone");
  var category = document.getElementById("category"), department = document.getElementById("department");
  var callerName = document.getElementById("caller_name"), region = document.getElementById("region");
  var timer = null, seq = 0, callerAskedFor = "";

  // for text and for attribute values alike (innerHTML leaves quotes alone: an answer's words would end a title="…")
  function esc(text) {
    return (text == null ? "" : String(text)).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function ticketList(items, empty) {
    if (!items.length) return '<span class="muted">' + empty + "</span>";
    return "<ul>" + items.map(function (t) {
      var sim = t.similarity != null ? "（相似度 " + t.similarity + "）" : (t.same_phone ? "（同一号码）" : "");
      return '<li><a href="/tickets/' + esc(t.number) + '" target="_blank">' + esc(t.number) + "</a> " + esc(t.title) +
        ' <span class="muted">' + esc(t.status) + sim + "</span>" +
        (t.follow_up ? ' <a href="/tickets/' + esc(t.number) + '#follow-up-form" target="_blank" class="follow-up">登记催办</a>' : "") +
        "</li>";
    }).join("") + "</ul>";
  }

  function percent(p) {  // a calibrated probability is never a certainty
    if (p >= 0.995) return "≥99%";
    if (p > 0 && p < 0.005) return "<1%";
    return Math.round(p * 100) + "%";
  }

  // the department a suggestion chose follows its category: another category picked afterwards (by hand, or
  // another suggestion) puts 承办单位 back to 按分类自动路由, so that the ticket goes where the new category routes
  var suggestedDepartment = "";
  category.addEventListener("change", function () {
    if (suggestedDepartment && department.value === suggestedDepartment) department.value = "";
    suggestedDepartment = "";
  });
  function accept(code, dept) {
    // a category switched off since the model was trained is no option: say so rather than adopt nothing
    if (!Array.prototype.some.call(category.options, function (o) { return o.value === code; })) {
      acceptStatus.textContent = "分类 " + code + " 已停用，请另选分类";
      return;
    }
    category.value = code;
    accepting = true;
    category.dispatchEvent(new Event("change"));
    accepting = false;
    if (dept) { department.value = dept; suggestedDepartment = dept; }
    // said aloud (role=status): the agent's eyes and the focus stay on the caller's words
    var chosen = category.selectedIndex >= 0 ? category.options[category.selectedIndex].text.trim() : code;
    var to = department.value && department.selectedIndex >= 0 ? department.options[department.selectedIndex].text.trim() : "";
    acceptStatus.textContent = "已采用：" + chosen + (to ? " → " + to : "");
  }
  // a category chosen by hand afterwards: the line no longer says what the form holds
  var acceptStatus = document.getElementById("accept-status"), accepting = false;
  category.addEventListener("change", function () { if (!accepting) acceptStatus.textContent = ""; });

  // 答复口径: the suggested category's, or what the agent searched for (知识库, Alt+K)
  var search = document.getElementById("answer-search"), suggestedAnswers = [], searchTimer = null, searchSeq = 0;

  function showAnswers(items, empty) {
    var answers = document.getElementById("answers");
    answers.innerHTML = items.length ? items.map(function (a) {
      return '<button type="button" class="sugg answer" data-id="' + a.id + '" title="' + esc(a.content) + '"><span>' +
        esc(a.category) + " " + esc(a.title) + (a.partial ? '<small class="muted">（部分匹配）</small>' : "") +
        "</span><b>采用</b></button>";
    }).join("") : '<span class="muted">' + esc(empty) + "</span>";
    answers.querySelectorAll(".answer").forEach(function (b) {
      b.addEventListener("click", function () {
        var chosen = items.filter(function (a) { return String(a.id) === b.dataset.id; })[0];
        var details = form.querySelector("details"); details.open = true;
        // a second answer is added after what is there (a caller asking two things), not written over it
        var box = document.getElementById("answer"), had = box.value.replace(/\s+$/, "");
        box.value = had ? had + "\n" + chosen.content : chosen.content;
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
        // the first answer's category is the ticket's: a consultation closed on the spot is never dispatched, so a
        // category left empty or a wrong one stayed so (a second answer added to it does not change it)
        if (chosen.category && (!had || !category.value) && category.value !== chosen.category) {
          accept(chosen.category, "");
        }
      });
    });
  }

  function searchAnswers() {
    var q = search.value.trim(), mine = ++searchSeq;
    if (!q) { showAnswers(suggestedAnswers, "无"); return; }
    fetch(search.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === searchSeq) showAnswers(data.items, "没有找到相关口径"); })
      .catch(function () { document.getElementById("answers").textContent = "口径搜索暂不可用"; });
  }
  search.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(searchAnswers, 250); });
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault(); clearTimeout(searchTimer); searchAnswers();
  });

  // 无效来电: the number and the call's id of the form go with it (the form itself is then empty for the next call)
  var invalid = document.getElementById("invalid-call");
  invalid.querySelector("form").addEventListener("submit", function (event) {
    var f = event.target;
    f.elements.caller_phone.value = phone.value;
    f.elements.call_reference.value = document.getElementById("call_reference").value;
  });
  function showNuisance(count) {
    var line = document.getElementById("nuisance");
    line.hidden = !count;
    line.textContent = count ? "该号码近 30 天有 " + count + " 次骚扰来电记录。" : "";
  }

  // 风险提示: what the words speak of, what to do, and the urgent mark one key away (Alt+U)
  var urgent = form.querySelector('input[name="urgency"][value="urgent"]');
  // the alert (role=alert) is rebuilt only when the kinds of risk change: each rebuild is read out over the call
  var shownRisks = "";
  function showRisks(risks) {
    var box = document.getElementById("risk-alert");
    var kinds = risks.map(function (r) { return r.code; }).sort().filter(function (k, i, all) { return k !== all[i - 1]; }).join(",");
    if (kinds === shownRisks) return;
    shownRisks = kinds;
    box.hidden = !risks.length;
    if (!risks.length) { box.innerHTML = ""; return; }
    box.innerHTML = "<b>风险提示</b><ul>" + risks.map(function (r) {
      return "<li><b>" + esc(r.title) + "</b>（“" + esc(r.phrase) + "”）：" + esc(r.advice) + "</li>";
    }).join("") + "</ul>" + (urgent.checked ? '<span class="small">已标为紧急。</span>'
      : '<button type="button" id="mark-urgent" title="Alt+U">标为紧急（Alt+U）</button>');
    var button = document.getElementById("mark-urgent");
    if (button) button.addEventListener("click", markUrgent);
    box.scrollIntoView({ block: "nearest" });  // below the fold on a 1093×615 / 1280×650 window
  }
  urgent.addEventListener("change", function () {
    var button = document.getElementById("mark-urgent");
    if (urgent.checked && button) button.outerHTML = '<span class="small">已标为紧急。</span>';
  });
  function markUrgent() {
    urgent.checked = true;
    urgent.dispatchEvent(new Event("change", { bubbles: true }));
    var button = document.getElementById("mark-urgent");
    if (button) button.outerHTML = '<span class="small">已标为紧急。</span>';
  }

  // one short polite line, said when the first suggestion changes (the aside itself is not a live region:
  // it was rebuilt, and read out, about 300 ms after every pause in typing)
  var assistStatus = document.getElementById("assist-status"), topSuggestion = "";
  function announceTop(suggestions) {
    var top = suggestions.length ? suggestions[0] : null, key = top ? top.code : "";
    if (key === topSuggestion) return;
    topSuggestion = key;
    if (top) assistStatus.textContent = "分类建议已更新：首选 " + top.name + " " + percent(top.p);
  }

  // 诉求类型 pre-filled from the classifier (domain.md: "a ticket that the classifier pre-fills"; the type sets the
  // deadline) until the agent chooses one: a click, Alt+1…6, a form sent back or a draft put back
  // a draft put back chose a type only if it is not the default (one typed before the suggestion came is not)
  var restoredType = document.querySelector('#call-form .draft-notice') && form.querySelector('input[name="type"]:checked');
  var typeChosen = !!document.querySelector(".field.has-error, .flash-error") ||
    !!(restoredType && !restoredType.defaultChecked);
  // 清除 of a restored draft: the restored choice is gone, and so is what a suggestion still on its way would
  // pre-select (a walk: leaving 来电号码 for 清除 asked about the old text, and 投诉 came back on an empty form)
  form.addEventListener("draft-cleared", function () {
    typeChosen = false;
    seq++;
    document.getElementById("type-suggested").textContent = "";
  });
  function suggestType(type) {
    var radio = type && form.querySelector('input[name="type"][value="' + type + '"]');
    if (typeChosen || !radio || radio.checked) return false;
    radio.checked = true;
    var label = radio.parentNode.textContent.trim();
    assistStatus.textContent = "诉求类型已按建议预选为“" + label + "”，可用 Alt+1…6 改选";
    document.getElementById("type-suggested").textContent = "（已按建议预选：" + label + "）";
    return true;
  }

  function render(data) {
    if (suggestType(data.type)) ask();  // the department a rule routes by type is asked again
    showRisks(data.risks || []);
    announceTop(data.suggestions);
    showNuisance(data.nuisance_calls || 0);
    var box = document.getElementById("suggestions");
    if (!data.suggestions.length) {
      box.innerHTML = '<span class="muted">' + (!data.model ? "分类模型不可用，请人工选择分类" : (title.value + content.value).trim() ? "内容太短，再多写几个字" : "输入诉求内容后给出分类建议") + "</span>";
    } else {
      var dept = data.department ? data.department.code : "";
      box.innerHTML = data.suggestions.map(function (s, i) {
        return '<button type="button" class="sugg' + (i === 0 ? " best" : "") + '" data-code="' + esc(s.code) + '" data-dept="' + (i === 0 ? esc(dept) : "") +
          '" title="Alt+' + (i + 7) + ' 采用"><span>' + esc(s.code) + " " + esc(s.name) + "</span><b>" + percent(s.p) + "</b></button>";
      }).join("") +
        '<div class="reasons">依据词：' + esc(data.reasons.join("、")) + "</div>" +
        (data.department ? '<div>建议承办：<b>' + esc(data.department.name) + '</b> <span class="muted">' + esc(data.department.reason) + "</span></div>" : "") +
        '<div class="muted small">Alt+7 采用首选建议</div>';
      box.querySelectorAll(".sugg").forEach(function (b) {
        b.addEventListener("click", function () { accept(b.dataset.code, b.dataset.dept); });
      });
    }
    suggestedAnswers = data.answers;
    if (!search.value.trim()) showAnswers(data.answers, "无");
    document.getElementById("similar").innerHTML = ticketList(data.similar, "无相似工单");
    document.getElementById("history").innerHTML = ticketList(data.history, phone.value ? "该号码无历史工单" : "—") +
      (data.concluded_petitions || []).map(function (number) {  // 信访工作条例第三十六条
        return '<p class="warn concluded-petition">信访事项 <a href="/tickets/' + esc(number) + '" target="_blank">' +
          esc(number) + "</a> 已复核终结：以同一事实和理由再次提出的不再受理，新的事实或理由照常登记。</p>";
      }).join("");
  }

  // a repeat caller: the name and district given last time go into the empty fields, to confirm aloud
  function fillCaller(known) {
    var filled = [];
    if (known.name && !callerName.value.trim()) {
      callerName.value = known.name;
      filled.push("姓名");
      // selected, so that a name the agent types (the caller said another) replaces it instead of joining it
      if (document.activeElement === callerName) callerName.select();
      else callerName.addEventListener("focus", function () { callerName.select(); }, { once: true });
    }
    if (known.region && !region.value.trim()) { region.value = known.region; filled.push("区县"); }
    if (!filled.length) return;
    [callerName, region].forEach(function (f) { f.dispatchEvent(new Event("input", { bubbles: true })); });
    var note = document.getElementById("caller-known");
    note.textContent = "已带入该号码上次来电（" + known.number + "）登记的" + filled.join("、") + "，请与来电人核对。";
    note.hidden = false;
  }

  function wantCaller() {
    if (!phone.value.trim() || phone.value === callerAskedFor || callerName.value.trim()) return false;
    callerAskedFor = phone.value;
    return true;
  }

  function ask() {
    var mine = ++seq;
    fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      // the earlier caller's name is asked for once per number, and only while the name is still empty
      body: JSON.stringify({ text: (title.value + "\n" + content.value).trim(), phone: phone.value,
                             caller: wantCaller(), region: region.value, channel: channelOf(), type: typeOf() }),
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.caller && phone.value === callerAskedFor) fillCaller(data.caller);  // asked once: kept if later
      if (mine === seq) render(data);
    })
      .catch(function () { document.getElementById("suggestions").textContent = "建议暂不可用"; });
  }

  // the rules route by 区县, channel and type too: the suggested department is asked again when they change
  function channelOf() { var c = document.getElementById("channel"); return c ? c.value : ""; }
  function typeOf() { var t = form.querySelector('input[name="type"]:checked'); return t ? t.value : ""; }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 300); }
  content.addEventListener("input", later);
  title.addEventListener("input", later);
  phone.addEventListener("change", ask);
  region.addEventListener("change", ask);
  function typeIsChosen() {
    typeChosen = true;
    document.getElementById("type-suggested").textContent = "";
  }
  // a click (or Space) on the type already checked, 咨询 by default, changes nothing and fires no change: it is a
  // choice all the same (a review: the suggestion then switched it to 投诉)
  form.addEventListener("click", function (event) { if (event.target.name === "type") typeIsChosen(); });
  form.addEventListener("change", function (event) {
    if (event.target.name === "type") typeIsChosen();
    if (event.target.id === "channel" || event.target.name === "type") ask();
  });
  phone.addEventListener("blur", ask);
  if (phone.value) ask();  // 来电弹屏 filled the number in: show its history at once

  document.addEventListener("keydown", function (event) {
    if (!event.altKey) return;
    var types = form.querySelectorAll('input[name="type"]');
    var n = parseInt(event.key, 10);
    if (n >= 1 && n <= types.length) {
      event.preventDefault();
      types[n - 1].checked = true;
      types[n - 1].focus();
      types[n - 1].dispatchEvent(new Event("change", { bubbles: true }));  // chosen: no longer pre-filled
    }
    if (n >= 7 && n <= 9) {
      var b = document.querySelectorAll("#suggestions .sugg")[n - 7];
      if (b) { event.preventDefault(); b.click(); }
    }
    if ((event.key === "u" || event.key === "U") && !document.getElementById("risk-alert").hidden) {
      event.preventDefault(); markUrgent();
    }
    if (event.key === "x" || event.key === "X") {
      event.preventDefault(); invalid.open = true; document.getElementById("invalid-kind").focus();
    }
    if (event.key === "k" || event.key === "K") { event.preventDefault(); search.focus(); search.select(); }
    if (event.key === "d" || event.key === "D") {
      var details = form.querySelector("details"); details.open = true; event.preventDefault();
      document.getElementById("answer").focus();
    }
  });
  if (content.value) ask();
})();
