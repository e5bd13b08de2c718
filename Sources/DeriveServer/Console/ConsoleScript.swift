/// The console's JavaScript, part 1: helpers, the API client (session cookie + `X-CSRF-Token`,
/// nothing else), the confirmation dialog, invalidation reports and the router.
enum ConsoleScript {
    static let core = #"""
        'use strict';
        const D = (window.Derive = { views: {}, state: { session: null, flash: null } });

        // Builds an element: attrs may hold class, text, on<event> handlers and plain attributes.
        D.el = function (tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attrs || {})) {
            if (value === undefined || value === null || value === false) continue;
            if (name === 'class') node.className = value;
            else if (name === 'text') node.textContent = value;
            else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
            else node.setAttribute(name, value === true ? '' : String(value));
          }
          for (const child of children.flat()) {
            if (child === null || child === undefined || child === false) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        };

        D.bytes = function (n) {
          if (!Number.isFinite(n)) return '–';
          const units = ['B', 'KB', 'MB', 'GB', 'TB'];
          let i = 0;
          while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
          return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
        };
        D.count = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
        D.date = (iso) => (iso ? iso.replace('T', ' ').replace('Z', ' UTC') : '');
        // A delivery URL as a path on this origin (the page only loads same-origin resources).
        D.path = function (url) {
          try { const u = new URL(url, location.href); return u.pathname + u.search; } catch (e) { return url; }
        };
        D.encodeID = (id) => id.split('/').map(encodeURIComponent).join('/');
        D.thumbnail = 'c_fill,h_160,w_160';
        D.thumbnailURL = (r) =>
          '/' + D.state.session.cloud_name + '/image/' + r.type + '/' + D.thumbnail + '/v' + r.version + '/' + D.encodeID(r.public_id) + '.jpg';

        // The Admin API (`/v1_1/<cloud>/<path>`): GET params in the query, others as a JSON body.
        D.api = async function (method, path, params) {
          let url = '/v1_1/' + encodeURIComponent(D.state.session.cloud_name) + '/' + path;
          const init = { method, credentials: 'same-origin', headers: { 'X-CSRF-Token': D.state.session.csrf_token } };
          if (method === 'GET') {
            const query = new URLSearchParams();
            for (const [k, v] of Object.entries(params || {})) {
              if (v === undefined || v === null || v === '') continue;
              if (Array.isArray(v)) v.forEach((item) => query.append(k + '[]', item)); else query.append(k, String(v));
            }
            const text = query.toString();
            if (text) url += '?' + text;
          } else {
            init.headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(params || {});
          }
          const response = await fetch(url, init);
          return D.reply(response);
        };

        // The Upload API: a multipart POST to `/v1_1/<cloud>/image/<action>`, signed by the session.
        D.uploadAPI = async function (action, fields) {
          const form = new FormData();
          for (const [k, v] of Object.entries(fields)) {
            if (Array.isArray(v)) v.forEach((item) => form.append(k + '[]', item)); else form.append(k, v);
          }
          const response = await fetch('/v1_1/' + encodeURIComponent(D.state.session.cloud_name) + '/image/' + action, {
            method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': D.state.session.csrf_token }, body: form,
          });
          return D.reply(response);
        };

        D.reply = async function (response) {
          let body = null;
          try { body = await response.json(); } catch (e) { body = null; }
          if (response.status === 401) { D.expired(); }
          if (!response.ok || (body && body.error)) {
            const message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + response.status;
            const error = new Error(message);
            error.status = response.status;
            throw error;
          }
          return body || {};
        };

        D.expired = function () {
          const view = document.getElementById('view');
          view.replaceChildren(D.el('p', { class: 'error' }, 'Your session has ended. ', D.el('a', { href: '/console', text: 'Log in again' })));
        };

        // A confirmation in a modal <dialog>; resolves true when confirmed.
        D.confirm = function (text, action) {
          const dialog = document.getElementById('confirm');
          document.getElementById('confirm-text').textContent = text;
          document.getElementById('confirm-ok').textContent = action || 'Delete';
          return new Promise((resolve) => {
            dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
            dialog.returnValue = 'cancel';
            dialog.showModal();
          });
        };

        // The event log's end: pass it to invalidationsSince after a change.
        D.lastSequence = async function () {
          const page = await D.api('GET', 'derive/events', { after: 0, max_results: 1, kind: 'none' });
          return page.last_sequence;
        };

        D.invalidationsSince = async function (after) {
          const events = [];
          for (let i = 0; i < 50; i++) {
            const page = await D.api('GET', 'derive/events', { after, max_results: 1000, kind: 'invalidate' });
            events.push(...page.events);
            if (page.next_after >= page.last_sequence || page.next_after === after) break;
            after = page.next_after;
          }
          return events;
        };

        // Runs a delete and reports it with the invalidation events it caused.
        D.deleteWithInvalidation = async function (title, run) {
          const before = await D.lastSequence();
          const result = await run();
          const events = await D.invalidationsSince(before);
          return D.invalidationPanel(title, result, events);
        };

        D.invalidationPanel = function (title, summary, events) {
          const urls = events.flatMap((e) => e.urls || []);
          return D.el('section', { class: 'panel', id: 'invalidation' },
            D.el('h3', { text: title }),
            summary ? D.el('p', { id: 'invalidation-summary', text: summary }) : null,
            D.el('p', {}, events.length === 0 ? 'No invalidation event followed.' :
              `Invalidation: ${events.length} event${events.length === 1 ? '' : 's'} (#${events.map((e) => e.seq).join(', #')}), ${urls.length} URL${urls.length === 1 ? '' : 's'} to purge:`),
            D.el('ul', { id: 'invalidation-urls' }, urls.map((u) => D.el('li', {}, D.el('code', { text: u })))));
        };

        D.flash = function (node) { D.state.flash = node; };
        D.takeFlash = function () { const node = D.state.flash; D.state.flash = null; return node; };

        // The clipboard API needs a secure context (HTTPS or loopback); elsewhere a selected textarea.
        D.copy = async function (text, button) {
          try {
            if (navigator.clipboard) await navigator.clipboard.writeText(text);
            else {
              const area = D.el('textarea', { class: 'offscreen', readonly: true });
              area.value = text;
              document.body.append(area);
              area.select();
              const copied = document.execCommand('copy');
              area.remove();
              if (!copied) throw new Error('not copied');
            }
            button.textContent = 'Copied';
          } catch (e) { button.textContent = 'Copy failed'; }
          setTimeout(() => { button.textContent = 'Copy URL'; }, 1500);
        };

        D.route = async function () {
          const view = document.getElementById('view');
          const hash = location.hash.replace(/^#\/?/, '') || 'browse';
          const [path, queryText] = hash.split('?');
          const query = new URLSearchParams(queryText || '');
          const parts = path.split('/');
          for (const link of document.querySelectorAll('.top nav a')) {
            link.classList.toggle('active', link.getAttribute('href') === '#/' + parts[0]);
          }
          const name = parts[0];
          const render = D.views[name] || D.views.browse;
          view.replaceChildren(D.el('p', { class: 'muted', text: 'Loading…' }));
          try {
            const nodes = await render(query, parts.slice(1).map(decodeURIComponent));
            const flash = D.takeFlash();
            view.replaceChildren(...[flash].concat(nodes).filter(Boolean));
          } catch (error) {
            if (error.status !== 401) view.replaceChildren(D.el('p', { class: 'error', id: 'view-error', text: error.message }));
          }
        };

        document.addEventListener('DOMContentLoaded', async () => {
          const response = await fetch('/console/session', { credentials: 'same-origin' });
          if (!response.ok) { location.href = '/console'; return; }
          D.state.session = await response.json();
          document.body.classList.toggle('readonly', D.state.session.read_only);
          document.getElementById('who').textContent =
            D.state.session.cloud_name + ' · ' + D.state.session.api_key + (D.state.session.read_only ? ' (read-only)' : '');
          document.getElementById('logout').addEventListener('click', async () => {
            await fetch('/console/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': D.state.session.csrf_token } });
            location.href = '/console';
          });
          window.addEventListener('hashchange', D.route);
          D.route();
        });
        """#
}
