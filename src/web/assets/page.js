// Firebreak pages' only script, served as a file (the Content-Security-Policy allows no inline script).
// Every page works without it; it adds the viewer's time zone and live timeline rows.
'use strict';
(function () {
  var fmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  function localize(root) {
    var times = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      if (t.dataset.local) continue;
      var d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime())) continue;
      // The server wrote UTC; the title keeps it on hover.
      t.title = t.textContent;
      t.textContent = fmt.format(d);
      t.dataset.local = '1';
    }
  }
  localize(document);
  var list = document.querySelector('[data-events]');
  if (!list || typeof EventSource === 'undefined') return;
  var status = document.querySelector('[data-live]');
  var source = new EventSource(list.getAttribute('data-events'));
  source.addEventListener('open', function () { if (status) status.textContent = 'Live: new events appear as they are recorded.'; });
  source.addEventListener('error', function () { if (status) status.textContent = 'Live updates paused; reconnecting…'; });
  source.addEventListener('row', function (e) {
    // The row is rendered (and escaped) by the server, like every row of the first load.
    var tpl = document.createElement('template');
    tpl.innerHTML = e.data;
    var row = tpl.content.firstElementChild;
    if (!row || (row.id && document.getElementById(row.id))) return;
    list.appendChild(row);
    localize(row);
  });
})();
