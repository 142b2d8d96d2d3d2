// DIDTron price widget loader. A website shows the widget with:
//   <div data-didtron-rates></div>
//   <script src="https://YOUR-PORTAL/widget/embed.js" async></script>
// It loads the widget's stylesheet and wasm from the portal that served this file, and tells
// each element to ask that portal for the rates. What an element holds (a link to the price
// list, say) stays for visitors without JavaScript.
(function () {
  var script = document.currentScript;
  var base = new URL('.', script && script.src ? script.src : window.location.href);
  function start() {
    var elements = document.querySelectorAll('[data-didtron-rates]');
    if (elements.length === 0) return;
    for (var i = 0; i < elements.length; i++) {
      if (!elements[i].getAttribute('data-api')) elements[i].setAttribute('data-api', base.origin);
    }
    if (!document.querySelector('link[data-didtron-rates-css]')) {
      var css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = new URL('widget.css', base).href;
      css.setAttribute('data-didtron-rates-css', '');
      document.head.appendChild(css);
    }
    import(new URL('widget.js', base).href)
      .then(function (widget) {
        return widget.default({ module_or_path: new URL('widget_bg.wasm', base) });
      })
      .catch(function (err) {
        console.error('DIDTron price widget could not start:', err);
      });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
