// Show only the anchor the chosen role needs; without JavaScript both stay visible.
(function () {
  function start() {
    var role = document.getElementById("id_role");
    if (!role) { return; }
    function sync() {
      document.querySelectorAll("#role-form [data-anchor]").forEach(function (el) {
        el.hidden = el.dataset.anchor !== role.value;
      });
    }
    role.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
