/* humanlike book: compatibility shim, loaded on every page.
 * The ipywidgets controls typeset their labels through the MathJax 2 API (MathJax.Hub.Queue), but the book serves
 * MathJax 3 (and pages without math only carry MathJax's configuration object). Give them a MathJax.Hub.Queue
 * that forwards to MathJax 3's typesetPromise where it exists, and does nothing otherwise. The HTML manager
 * draws the widgets on window "load", after this DOMContentLoaded handler. */
(function () {
  function install() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function (command) {
        var element = command && command[2];
        var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
        ready.then(function () {
          if (typeof mj.typesetPromise === "function") { return mj.typesetPromise(element ? [element] : undefined); }
        }).catch(function () { /* typesetting a label is cosmetic */ });
      }
    };
  }
  document.addEventListener("DOMContentLoaded", install);
  window.addEventListener("load", install);
})();
