// The upload page's progress bar. Locally the file goes to our view (XHR, same form fields);
// with S3 the browser asks for a presigned POST, uploads straight to the bucket, then tells
// our view to create the media. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("media-upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("media-upload-progress");
  var message = document.getElementById("media-upload-message");
  var button = form.querySelector("button[type=submit]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(text) { message.textContent = text; }
  function fail(text) { say(text); button.disabled = false; bar.hidden = true; }
  function errorsText(json) {
    var parts = [];
    Object.keys((json && json.errors) || {}).forEach(function (k) { parts = parts.concat(json.errors[k]); });
    return parts.join(" ") || "上传失败，请重试。";
  }
  function send(method, url, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      if (new URL(url, window.location.href).origin === window.location.origin) {
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.setRequestHeader("X-CSRFToken", csrf);
      }
      if (onProgress) {
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) { onProgress(e.loaded / e.total); } };
      }
      xhr.onload = function () {
        var json = null;
        try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
        resolve({status: xhr.status, json: json});
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.send(body);
    });
  }
  function progress(fraction) {
    bar.value = Math.round(fraction * 100);
    say("已上传 " + bar.value + "%");
  }
  function done(result) {
    if (result.status === 201 && result.json) {
      say("上传完成，正在排队转码…");
      window.location.href = result.json.edit_url;
    } else {
      fail(errorsText(result.json));
    }
  }

  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var file = input && input.files[0];
    if (!file) { return; }  // let the server say what is missing
    event.preventDefault();
    if (file.size > Number(form.dataset.maxBytes)) {
      fail("文件太大，上限为 " + Math.floor(Number(form.dataset.maxBytes) / 1048576) + " MB。");
      return;
    }
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    if (!form.dataset.s3) {
      send("POST", form.action, new FormData(form), progress).then(done, function () { fail("网络中断，请重试。"); });
      return;
    }
    var ask = new FormData();
    ask.append("filename", file.name);
    ask.append("size", String(file.size));
    send("POST", form.dataset.presignUrl, ask).then(function (res) {
      if (res.status !== 200) { fail(errorsText(res.json)); return; }
      var post = new FormData();
      Object.keys(res.json.fields).forEach(function (k) { post.append(k, res.json.fields[k]); });
      post.append("file", file);
      return send("POST", res.json.url, post, progress).then(function (s3) {
        if (s3.status < 200 || s3.status >= 300) { fail("上传到存储失败（" + s3.status + "），请重试。"); return; }
        var complete = new FormData(form);
        complete.delete("file");
        complete.append("ticket", res.json.ticket);
        return send("POST", form.dataset.completeUrl, complete).then(done);
      });
    }).catch(function () { fail("网络中断，请重试。"); });
  });
})();
