/* Study heartbeats: while a lesson's video or audio plays, tell the server where the learner
   is every N seconds (data-heartbeat-seconds) and on pause, end or leaving the page. The
   server decides what time is credited; this script only reports. */
(function () {
  "use strict";
  var root = document.querySelector("[data-heartbeat-url]");
  if (!root || root.dataset.enrolled !== "1") return;
  var url = root.dataset.heartbeatUrl;
  var ticket = root.dataset.ticket; // names the learner and the lesson; renewed by the server
  var every = (parseFloat(root.dataset.heartbeatSeconds) || 30) * 1000;
  var status = root.querySelector("[data-heartbeat-status]");
  var doneMark = root.querySelector("[data-lesson-state]");
  var current = null; // the media element playing now
  var queue = Promise.resolve();

  function position() {
    return current ? Math.floor(current.currentTime || 0) : 0;
  }

  function show(reply) {
    if (reply.ticket) ticket = reply.ticket;
    root.dataset.credited = reply.seconds_credited;
    if (reply.lesson_completed) {
      root.dataset.done = "1";
      if (doneMark) doneMark.hidden = false;
    }
    if (reply.course_completed) root.dataset.courseDone = "1";
    if (status) {
      status.textContent = reply.course_completed ? root.dataset.msgCourseDone
        : reply.lesson_completed ? root.dataset.msgDone
        : reply.quiz_pending ? root.dataset.msgQuiz : root.dataset.msgSaved;
    }
  }

  // Heartbeats go out one after another so the server sees them in order.
  function send(playing) {
    var at = position();
    queue = queue.then(function () {
      return fetch(url, {
        method: "POST",
        credentials: "omit",
        keepalive: true,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ticket: ticket, position_seconds: at, playing: playing })
      }).then(function (response) {
        return response.json().then(function (reply) {
          if (response.ok) show(reply);
          else if (status) status.textContent = reply.detail || root.dataset.msgError;
        });
      }).catch(function () {
        if (status) status.textContent = root.dataset.msgError;
      });
    });
    return queue;
  }

  var timer = null;
  function start(media) {
    current = media;
    if (timer) return;
    send(true); // starts the server's clock
    timer = setInterval(function () {
      if (current && !current.paused) send(true);
    }, every);
  }
  function stop() {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    send(false); // credits the last stretch played, then stops the server's clock
  }

  Array.prototype.forEach.call(root.querySelectorAll("[data-study-media]"), function (media) {
    var resume = parseInt(root.dataset.resume, 10) || 0; // where the learner left off
    var duration = parseInt(media.dataset.duration, 10) || 0;
    var resumed = false;
    media.addEventListener("loadedmetadata", function () {
      if (!resumed && resume > 0 && resume < (media.duration || duration) - 1) media.currentTime = resume;
      resumed = true;
    });
    media.addEventListener("play", function () { start(media); });
    media.addEventListener("pause", stop);
    media.addEventListener("ended", stop);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) send(true);
  });

  // A text-only lesson: "I have finished reading" unlocks after the page has been open a while.
  var readDone = root.querySelector("[data-read-done]");
  if (readDone) {
    setTimeout(function () { readDone.disabled = false; }, every);
    readDone.addEventListener("click", function () {
      readDone.disabled = true;
      send(false).then(function () {
        if (root.dataset.done === "1") readDone.hidden = true;
        else readDone.disabled = false;
      });
    });
  }
})();
