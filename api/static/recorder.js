// Send page: record the message in the police's own voice, per language (MediaRecorder):
// Record, Stop, listen back, Record again. The recording is put in that language's file
// input, so the form posts it as an uploaded file would be; without JavaScript (or without a
// microphone) the file input alone remains.
(function () {
  "use strict";
  var MAX_SECONDS = 120;
  if (!window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) return;

  function extension(type) {
    if (type.indexOf("ogg") >= 0) return ".ogg";
    if (type.indexOf("mp4") >= 0) return ".m4a";
    return ".webm";
  }

  // MediaRecorder's WebM has no duration in its header: seek to the end once so the player
  // knows how long it is.
  function knowDuration(audio) {
    audio.addEventListener("loadedmetadata", function () {
      if (audio.duration !== Infinity) return;
      audio.addEventListener("timeupdate", function back() {
        audio.removeEventListener("timeupdate", back);
        audio.currentTime = 0;
      });
      audio.currentTime = 1e101;
    });
  }

  function setUp(box) {
    var lang = box.getAttribute("data-lang");
    var record = box.querySelector("button.record");
    var stop = box.querySelector("button.stop");
    var status = box.querySelector(".status");
    var audio = box.querySelector("audio");
    var input = box.querySelector("input[type=file]");
    var recorder = null;
    var timer = null;
    box.querySelector(".recorder-controls").hidden = false;
    knowDuration(audio);

    function listen(blob) {
      if (audio.src) URL.revokeObjectURL(audio.src);
      audio.src = URL.createObjectURL(blob);
      audio.hidden = false;
    }

    function finished(chunks, stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      clearInterval(timer);
      var type = (recorder.mimeType || "audio/webm").split(";")[0];
      var file = new File(chunks, "recording-" + lang + extension(type), { type: type });
      var files = new DataTransfer();
      files.items.add(file);
      input.files = files.files;
      listen(file);
      record.textContent = record.getAttribute("data-again");
      record.disabled = false;
      stop.disabled = true;
      status.textContent = "";
    }

    function start(stream) {
      var chunks = [];
      var began = Date.now();
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = function () { finished(chunks, stream); };
      recorder.start();
      record.disabled = true;
      stop.disabled = false;
      status.textContent = status.getAttribute("data-recording");
      timer = setInterval(function () {
        var seconds = Math.floor((Date.now() - began) / 1000);
        status.textContent = status.getAttribute("data-recording") + " " + seconds + " s";
        if (seconds >= MAX_SECONDS) stop.click();
      }, 500);
    }

    record.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(start, function () {
        status.textContent = status.getAttribute("data-denied");
      });
    });
    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    });
    input.addEventListener("change", function () {
      if (input.files.length) listen(input.files[0]);
    });
  }

  document.querySelectorAll(".recorder").forEach(setUp);
})();
