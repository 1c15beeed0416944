/* The scorecard builder: show only the settings of the chosen criterion type, and ask before removing.
   Without JavaScript every settings block stays visible and each says which type it is for. */
(function () {
  "use strict";
  var type = document.getElementById("type");
  function sync() {
    var blocks = document.querySelectorAll(".type-settings");
    for (var i = 0; i < blocks.length; i++) {
      var wanted = blocks[i].getAttribute("data-types").split(" ");
      blocks[i].hidden = wanted.indexOf(type.value) === -1;
    }
  }
  if (type) {
    type.addEventListener("change", sync);
    sync();
  }
  var forms = document.querySelectorAll("form[data-confirm]");
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener("submit", function (event) {
      if (!window.confirm(this.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }
})();
