// A page that loads LuCI view files the way LuCI's L.require does (the source wrapped in a
// function of window, document, L and its required classes), with small stand-ins for LuCI's
// E(), _(), String.prototype.format, view, rpc (POST /ubus {object, method} → {result} or
// {code, message}, as rpc.declare rejects on a ubus status), poll and ui. Not LuCI itself: it
// lets Chromium run the view's own code.

export const STUB_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>LuCI stand-in</title></head>
<body><div id="maincontent"></div>
<script>
String.prototype.format = function() {
  var a = arguments, i = 0;
  return this.replace(/%([sd])/g, function(m, k) {
    var v = a[i++];
    return k === 'd' ? String(Math.floor(Number(v))) : String(v);
  });
};
window._ = function(s) { return s; };
window.E = function(tag, attrs, children) {
  var el = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function(k) {
    var v = attrs[k];
    if (typeof v === 'function') el.addEventListener(k, v);
    else el.setAttribute(k, v);
  });
  (function add(c) {
    if (c == null || c === '') return;
    if (Array.isArray(c)) c.forEach(add);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  })(children);
  return el;
};
var classes = {
  view: { extend: function(o) { return o; } },
  rpc: { declare: function(d) { return function() {
    return fetch('/ubus', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object: d.object, method: d.method }) })
      .then(function(r) { return r.json(); })
      .then(function(j) {
        if (j.code) throw new Error('RPC call to ' + d.object + '/' + d.method +
          ' failed with ubus code ' + j.code + ': ' + j.message);
        return j.result;
      });
  }; } },
  poll: { add: function() {} },
  ui: {
    createHandlerFn: function(ctx, name) { return function(ev) { return ctx[name](ev); }; },
    addNotification: function(title, node, cls) {
      var d = document.createElement('div');
      d.id = 'notification';
      d.className = 'alert-message ' + cls;
      d.appendChild(node);
      document.body.insertBefore(d, document.body.firstChild);
    }
  }
};
fetch('/view/punch/status.js').then(function(r) { return r.text(); }).then(function(src) {
  var names = [], re = /^\\s*'require ([\\w.]+)';/gm, m;
  while ((m = re.exec(src))) names.push(m[1]);
  var factory = eval('(function(window, document, L, ' + names.join(', ') + ') { ' + src + ' })');
  var v = factory.apply(null, [window, document, {}].concat(names.map(function(n) {
    return classes[n];
  })));
  return Promise.resolve(v.load()).then(function(data) {
    document.getElementById('maincontent').appendChild(v.render(data));
    document.body.setAttribute('data-ready', '1');
  });
}).catch(function(e) { document.body.setAttribute('data-error', String(e && e.stack || e)); });
</script></body></html>`;
