// Resumable uploads for forms marked data-resumable-upload: each chosen file goes straight to the object
// store in parts (presigned links from the portal), four at a time. The links are asked for ahead of need, a
// batch at a time, so no part waits on the portal; the bar is drawn a few times a second, not on every progress
// event. A dropped connection costs only the parts in flight: sending resumes when the network returns, and after
// a reload choosing the same file again picks up where the store says it stopped. When every file is whole (the
// portal proves it without reading it; its full check runs in the background and the file stays quarantined
// until then), the form is posted with the uploads' ids instead of the files. Without this script (or without
// fetch and Blob.slice) the form posts the files itself, as before.
(function () {
  "use strict";
  if (!window.fetch || !window.Blob || !Blob.prototype.slice || !window.localStorage) { return; }

  var PARALLEL = 4;
  // Links asked at once (the portal gives at most 20), and how few may be left before the next batch is asked.
  var BATCH = 12, LOW = PARALLEL + 2;
  // The bar and its text are drawn at most this often.
  var DRAW_MS = 250;
  // A whole upload that needs no more sending: the portal joined it (and checks it in the background) or checked it.
  var WHOLE = { joined: true, checked: true };

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function whenOnline() {
    if (navigator.onLine) { return Promise.resolve(); }
    return new Promise(function (resolve) { window.addEventListener("online", resolve, { once: true }); });
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function Uploader(form) {
    this.form = form;
    this.data = form.dataset;
    this.box = form.querySelector("[data-progress]");
    this.bar = form.querySelector("[data-progress-bar]");
    this.text = form.querySelector("[data-progress-text]");
    this.button = form.querySelector("[type=submit]");
  }

  Uploader.prototype.call = function (url, method, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.data.csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          var error = new Error(answer.error || answer.problem || response.statusText);
          error.refused = response.status >= 400 && response.status < 500;
          throw error;
        }
        return answer;
      });
    });
  };

  Uploader.prototype.say = function (message) { this.text.textContent = message; };

  // A refused file is said beside its field, where the person looks, and its bar goes: a file the portal refused
  // never shows as sent. Choosing another file clears the message (form-errors.js).
  Uploader.prototype.refuse = function (input, message) {
    this.box.classList.add("d-none");
    this.box.removeAttribute("aria-valuenow");
    this.bar.style.width = "0%";
    this.bar.textContent = "";
    this.say("");
    if (!input) { this.say(message); return; }
    var id = (input.id || input.name) + "-error", error = document.getElementById(id);
    if (!error) {
      error = document.createElement("div");
      error.id = id;
      error.className = "invalid-feedback d-block";
      input.insertAdjacentElement("afterend", error);
    }
    error.textContent = message;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(id) === -1) { input.setAttribute("aria-describedby", [id].concat(described).join(" ")); }
    input.focus();
  };

  Uploader.prototype.show = function (sent, total, started, startedAt) {
    var percent = Math.floor(sent * 100 / total);
    this.bar.style.width = percent + "%";
    this.bar.textContent = percent + "%";
    this.box.setAttribute("aria-valuenow", String(percent));
    var elapsed = (Date.now() - startedAt) / 1000, rate = (sent - started) / Math.max(elapsed, 0.001);
    var left = rate > 0 && elapsed > 1 ? this.data.msgLeft.replace("{time}", clock((total - sent) / rate)) : "";
    this.say(this.data.msgSending.replace("{percent}", percent) + (left ? " · " + left : ""));
  };

  // Presigned links for the parts in `todo`, in that order, asked for a batch at a time before they are needed
  // (a new upload brings the first ones); one ask at a time, and a link older than half its life is asked for
  // again rather than used.
  function Links(uploader, upload, todo) {
    var ready = [], asking = null, freshFor = (upload.link_seconds || 900) * 500;
    if (upload.links) {  // a new upload comes with its first links: taken once, for the parts still to send
      var given = upload.links, at = Date.now();
      upload.links = null;
      todo.slice().forEach(function (n) {
        if (!given[String(n)]) { return; }
        todo.splice(todo.indexOf(n), 1);
        ready.push({ number: n, link: given[String(n)], asked: at });
      });
    }
    function refill() {
      if (asking || !todo.length) { return; }
      var batch = todo.splice(0, BATCH), asked = Date.now();
      asking = uploader.call(upload.links_url, "POST", { parts: batch }).then(function (answer) {
        asking = null;
        batch.forEach(function (n) { ready.push({ number: n, link: answer.links[String(n)], asked: asked }); });
      }, function (error) {
        asking = null;
        Array.prototype.unshift.apply(todo, batch);
        throw error;
      });
      asking.catch(function () {});  // the worker waiting on it hears of the failure
    }
    // The next part to send and its link, or null when every part has been handed out.
    this.next = function next() {
      while (ready.length && Date.now() - ready[0].asked > freshFor) { todo.unshift(ready.shift().number); }
      if (ready.length <= LOW) { refill(); }
      if (ready.length) { return Promise.resolve(ready.shift()); }
      return asking ? asking.then(next) : Promise.resolve(null);
    };
  }

  // The upload this file had before (same file, same pair, same form), or a new one.
  Uploader.prototype.open = function (file) {
    var self = this, memory = "mitrapas-upload:" + this.data.owner + ":" + file.name + ":" + file.size + ":" +
      file.lastModified;
    var earlier = localStorage.getItem(memory);
    var resumed = earlier ? this.call(earlier, "GET").catch(function () { return null; }) : Promise.resolve(null);
    return resumed.then(function (upload) {
      if (upload && (upload.status === "uploading" || WHOLE[upload.status])) { upload.memory = memory; return upload; }
      var wanted = { filename: file.name, size: file.size };
      wanted[self.data.ownerKind] = parseInt(self.data.ownerId, 10);
      return self.call(self.data.resumableUpload, "POST", wanted).then(function (fresh) {
        localStorage.setItem(memory, fresh.state_url);
        fresh.memory = memory;
        fresh.finished = [];
        return fresh;
      });
    });
  };

  Uploader.prototype.sendPart = function (upload, file, number, link, progress) {
    var start = (number - 1) * upload.part_size, end = Math.min(start + upload.part_size, upload.size);
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("PUT", link);
      request.upload.addEventListener("progress", function (event) { progress(number, event.loaded); });
      request.addEventListener("load", function () {
        if (request.status >= 200 && request.status < 300) { progress(number, end - start); resolve(); }
        else { reject(new Error("part " + number + ": " + request.status)); }
      });
      request.addEventListener("error", function () { reject(new Error("part " + number + ": network")); });
      request.addEventListener("timeout", function () { reject(new Error("part " + number + ": timeout")); });
      request.timeout = 10 * 60 * 1000;
      request.send(file.slice(start, end));
    });
  };

  // Send every part the store does not hold yet; after a failure, wait for the network and ask the store again.
  Uploader.prototype.send = function (upload, file, position) {
    var self = this, startedAt = Date.now(), attempt = 0;
    var inFlight = {}, doneBytes = 0, startBytes = 0, drawing = null, drawnAt = 0;
    function partBytes(number) {
      return number < upload.parts ? upload.part_size : upload.size - upload.part_size * (upload.parts - 1);
    }
    function draw() {
      drawing = null;
      drawnAt = Date.now();
      var sent = doneBytes;
      Object.keys(inFlight).forEach(function (n) { sent += inFlight[n]; });
      self.show(position.before + sent, position.total, position.before + startBytes, startedAt);
    }
    // Progress events come many times a second per part: the bar follows at most every DRAW_MS.
    function report() {
      if (drawing === null) { drawing = setTimeout(draw, Math.max(0, DRAW_MS - (Date.now() - drawnAt))); }
    }
    function round(finished) {
      var todo = [], held = {};
      finished.forEach(function (n) { held[n] = true; });
      doneBytes = 0;
      for (var n = 1; n <= upload.parts; n++) { if (held[n]) { doneBytes += partBytes(n); } else { todo.push(n); } }
      if (attempt === 0) { startBytes = doneBytes; }
      report();
      var failed = null, links = new Links(self, upload, todo);
      function worker() {
        if (failed) { return Promise.resolve(); }
        var number = null;
        return links.next().then(function (next) {
          if (next === null || failed) { return; }
          number = next.number;
          inFlight[number] = 0;
          return self.sendPart(upload, file, number, next.link, function (n, loaded) {
            inFlight[n] = loaded; report();
          }).then(function () {
            delete inFlight[number]; doneBytes += partBytes(number); report();
            return worker();
          });
        }).catch(function (error) { if (number !== null) { delete inFlight[number]; } failed = failed || error; });
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) { workers.push(worker()); }
      return Promise.all(workers).then(function () {
        if (drawing !== null) { clearTimeout(drawing); draw(); }
        if (!failed) { return; }
        if (failed.refused) { throw failed; }
        return recover();
      });
    }
    // Wait for the network, then start again from what the store holds (asked until it answers).
    function recover() {
      attempt += 1;
      self.say(self.data.msgWaiting);
      return whenOnline().then(function () { return sleep(Math.min(30000, 1000 * Math.pow(2, attempt - 1))); })
        .then(function () { return self.call(upload.state_url, "GET"); })
        .then(function (state) { return round(state.finished); }, function (error) {
          if (error.refused) { throw error; }
          return recover();
        });
    }
    if (WHOLE[upload.status]) { return Promise.resolve(); }
    return round(upload.finished || []);
  };

  // Join the file and have the portal prove it whole (it reads it in the background); a refused file is gone
  // from the store, so it is forgotten here too.
  Uploader.prototype.finish = function (upload) {
    if (WHOLE[upload.status]) { return Promise.resolve(upload); }
    this.say(this.data.msgChecking);
    return this.call(upload.complete_url, "POST", {}).then(function (done) {
      done.memory = upload.memory;
      return done;
    }, function (error) {
      if (error.refused) { localStorage.removeItem(upload.memory); }
      throw error;
    });
  };

  Uploader.prototype.run = function (files) {
    var self = this, total = 0, before = 0, ids = [];
    files.forEach(function (file) { total += file.size; });
    this.box.classList.remove("d-none");
    this.bar.style.width = "0%";
    this.button.disabled = true;
    return files.reduce(function (previous, file) {
      return previous.then(function () {
        return self.open(file).then(function (upload) {
          return self.send(upload, file, { before: before, total: total })
            .then(function () { return self.finish(upload); })
            .then(function (done) { before += file.size; ids.push(done); });
        });
      });
    }, Promise.resolve()).then(function () { return ids; });
  };

  Uploader.prototype.post = function (done, inputs) {
    var form = this.form;
    done.forEach(function (upload, index) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "uploaded-" + index;
      hidden.value = upload.id;
      form.appendChild(hidden);
      localStorage.removeItem(upload.memory);
    });
    inputs.forEach(function (input) { input.disabled = true; });  // the files are in storage already
    this.say(this.data.msgSaving);
    HTMLFormElement.prototype.submit.call(form);  // form.submit is the button named "submit"
  };

  document.querySelectorAll("form[data-resumable-upload]").forEach(function (form) {
    var uploader = new Uploader(form);
    form.addEventListener("submit", function (event) {
      var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
      var files = [];
      inputs.forEach(function (input) { files = files.concat(Array.prototype.slice.call(input.files)); });
      if (!files.length) { return; }  // the portal says what is missing
      event.preventDefault();
      inputs.forEach(function (input) { input.dispatchEvent(new Event("mitrapas:clear-error")); });
      uploader.run(files).then(function (done) { uploader.post(done, inputs); }, function (error) {
        uploader.button.disabled = false;
        if (error.refused) {
          uploader.refuse(inputs.filter(function (input) { return input.files.length; })[0], error.message);
        } else {  // the network or the store: the upload waits and resumes; say so where the bar is
          uploader.say(error.message);
        }
      });
    });
  });
})();
