// Vision's only script: select a member, switch language tabs, copy commands. No network use.
(function () {
  "use strict";
  var snippets = JSON.parse(document.getElementById("snippets").textContent || "{}");

  function moduleOf(el) { return el.closest("section.module"); }

  function select(id, scroll) {
    var data = snippets[id];
    if (!data) return;
    var section = document.querySelector('section.module[data-module="' + id.split(".")[0] + '"]');
    if (!section) return;
    document.querySelectorAll(".selected").forEach(function (el) { el.classList.remove("selected"); });
    document.querySelectorAll('[data-member="' + CSS.escape(id) + '"]').forEach(function (el) {
      el.classList.add("selected");
    });
    section.querySelectorAll("pre.usage").forEach(function (pre) {
      var text = data[pre.dataset.target];
      if (text !== undefined) pre.querySelector("code").textContent = text;
    });
    section.querySelectorAll(".usage-member").forEach(function (el) { el.textContent = data.label; });
    if (scroll) section.querySelector(".use").scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var copy = t.closest("button.copy");
    if (copy) { copyFrom(copy); return; }
    var tab = t.closest("button.tab");
    if (tab) { showTab(moduleOf(tab), tab.dataset.target); return; }
    var member = t.closest("[data-member]");
    if (member) {
      select(member.dataset.member, member.tagName === "A");
      if (member.tagName === "A") { history.replaceState(null, "", member.getAttribute("href")); ev.preventDefault(); }
    }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Enter" && t instanceof Element && t.matches("li.member")) select(t.dataset.member, true);
  });

  function showTab(section, target) {
    section.querySelectorAll("button.tab").forEach(function (b) {
      b.setAttribute("aria-selected", String(b.dataset.target === target));
    });
    section.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.dataset.target !== target; });
  }

  function copyFrom(button) {
    var text = button.parentElement.querySelector("pre").textContent;
    var done = function () {
      button.textContent = "Copied";
      button.classList.add("done");
      setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 2000);
    };
    // execCommand runs synchronously inside the click, so it works on plain-http LAN addresses
    // too; the Clipboard API (secure contexts only) is the fallback where execCommand is gone.
    if (legacyCopy(text)) { done(); return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Copy failed"; });
    } else { button.textContent = "Select and copy"; }
  }

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  var filter = document.getElementById("filter");
  if (filter) filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    document.querySelectorAll("nav#toc li").forEach(function (li) {
      li.hidden = q !== "" && li.textContent.toLowerCase().indexOf(q) < 0;
    });
  });

  // a deep link (#m-shop-Cart-add) selects its member, on load and when only the fragment changes
  function fromHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    var target = hash && document.getElementById(hash);
    if (target && target.dataset.member) select(target.dataset.member, false);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
