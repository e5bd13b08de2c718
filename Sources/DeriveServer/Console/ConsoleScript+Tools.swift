/// The console's JavaScript, part 3: derived images by transformation, the bulk delete tool and
/// uploads.
extension ConsoleScript {
    static let tools = #"""
        'use strict';
        (function () {
          const D = window.Derive;
          const el = D.el;
          const types = ['upload', 'private', 'authenticated'];

          // Runs a Cloudinary bulk delete to the end, following next_cursor, one call per batch.
          // `calls` are [path, params] pairs run one after the other; `progress` sees the running totals;
          // `cancelled()` is checked between batches.
          async function runBatches(calls, progress, cancelled) {
            const totals = { batches: 0, originals: 0, derived: 0, cancelled: false };
            for (const [path, params] of calls) {
              let cursor = null;
              do {
                const result = await D.api('DELETE', path, Object.assign({}, params, cursor ? { next_cursor: cursor } : {}));
                totals.batches += 1;
                for (const c of Object.values(result.deleted_counts || {})) { totals.originals += c.original; totals.derived += c.derived; }
                cursor = result.partial ? result.next_cursor : null;
                progress(totals);
                if (cursor && cancelled()) { totals.cancelled = true; return totals; }
              } while (cursor);
              if (cancelled()) { totals.cancelled = true; return totals; }
            }
            return totals;
          }

          // Which transformations exist, with counts and bytes; delete every derivative of one.
          D.views.derived = async function () {
            const page = await D.api('GET', 'derive/transformations', {});
            const readOnly = D.state.session.read_only;
            const status = el('p', { id: 'derived-status', class: 'muted' });
            // A transformation's derived images, a page at a time (next_cursor), in a row under it.
            const show = async (t, row, button) => {
              button.disabled = true;
              const list = el('tbody');
              const more = el('button', { type: 'button', class: 'more-derived hidden' }, 'More');
              const detail = el('tr', { class: 'derived-list' }, el('td', { colspan: 5 },
                el('table', {}, el('thead', {}, el('tr', {}, ['Preview', 'Original', 'Format', 'Size', 'Bytes', 'Created'].map((h) => el('th', { text: h })))), list), more));
              row.after(detail);
              let cursor = null;
              const load = async () => {
                const page = await D.api('GET', 'derive/derived', { transformation: t.transformation, max_results: 50, next_cursor: cursor });
                list.append(...page.derived.map((d) => el('tr', { 'data-public-id': d.public_id },
                  el('td', {}, el('img', { class: 'preview', src: D.path(d.url), alt: d.public_id, loading: 'lazy' })),
                  el('td', {}, el('a', { href: '#/resource/' + d.type + '/' + encodeURIComponent(d.public_id), text: d.public_id })),
                  el('td', { text: d.format }), el('td', { text: `${d.width}×${d.height}` }),
                  el('td', { class: 'num', text: D.bytes(d.bytes) }), el('td', { text: D.date(d.created_at) }))));
                cursor = page.next_cursor || null;
                more.classList.toggle('hidden', !cursor);
              };
              more.addEventListener('click', load);
              await load();
            };
            const rows = page.transformations.map((t) => el('tr', { 'data-transformation': t.transformation },
              el('td', {}, el('code', { text: t.transformation || '(format conversion only)' }), t.transformation === D.thumbnail ? el('div', { class: 'muted', text: 'console thumbnails' }) : null),
              el('td', { class: 'num', text: t.derived_count }),
              el('td', { class: 'num', text: t.originals }),
              el('td', { class: 'num', text: D.bytes(t.derived_bytes) }),
              el('td', {}, el('button', { type: 'button', class: 'show-derived', onclick: (e) => show(t, e.target.closest('tr'), e.target) }, 'Show'), ' ',
                readOnly || !t.transformation ? null : el('button', { type: 'button', class: 'danger delete-transformation', onclick: async () => {
                if (!(await D.confirm(`Delete all ${t.derived_count} derived images of ${t.transformation}? Originals stay.`))) return;
                status.textContent = 'Deleting…';
                const before = await D.lastSequence();
                const totals = await runBatches(types.map((type) => ['resources/image/' + type, { all: true, keep_original: true, transformations: t.transformation, invalidate: true }]),
                  (n) => { status.textContent = `Batch ${n.batches}: ${n.derived} derived images deleted…`; }, () => false);
                const events = await D.invalidationsSince(before);
                D.flash(D.invalidationPanel('Deleted the derived images of ' + t.transformation, `Deleted ${totals.derived} derived images in ${totals.batches} batches.`, events));
                D.route();
              } }, 'Delete all'))));
            const total = page.transformations.reduce((s, t) => s + t.derived_count, 0);
            const bytes = page.transformations.reduce((s, t) => s + t.derived_bytes, 0);
            return [
              el('h2', { text: 'Derived images by transformation' }),
              el('p', { class: 'muted', text: `${D.count(page.transformations.length, 'transformation')}, ${D.count(total, 'derived image')}, ${D.bytes(bytes)}.` }),
              status,
              el('table', { id: 'transformations' },
                el('thead', {}, el('tr', {}, el('th', { text: 'Transformation' }), el('th', { class: 'num', text: 'Derived images' }), el('th', { class: 'num', text: 'Originals' }), el('th', { class: 'num', text: 'Bytes' }), el('th'))),
                el('tbody', {}, rows)),
            ];
          };

          // Bulk delete by tag, prefix, type or all: preview, batches with progress, cancel, counts.
          D.views.bulk = async function () {
            const form = el('form', { class: 'filters', id: 'bulk-form' },
              el('label', {}, 'Select by', el('select', { name: 'by', id: 'bulk-by' }, [['tag', 'tag'], ['prefix', 'folder / prefix'], ['type', 'type (all of it)'], ['all', 'everything']].map(([v, t]) => el('option', { value: v }, t)))),
              el('label', {}, 'Tag or prefix', el('input', { name: 'value', id: 'bulk-value' })),
              el('label', {}, 'Type', el('select', { name: 'type', id: 'bulk-type' }, types.map((t) => el('option', { value: t }, t)))),
              el('label', {}, 'Delete', el('select', { name: 'what', id: 'bulk-what' }, el('option', { value: 'derived' }, 'derived images only'), el('option', { value: 'originals' }, 'originals with their derived images'))),
              el('button', { type: 'submit', id: 'bulk-preview' }, 'Preview'));
            const preview = el('div', { id: 'bulk-preview-result' });
            const progress = el('p', { id: 'bulk-progress', class: 'muted' });
            const result = el('div', { id: 'bulk-result' });
            let cancelled = false;
            const cancel = el('button', { type: 'button', id: 'bulk-cancel', class: 'hidden', onclick: () => { cancelled = true; cancel.disabled = true; progress.textContent += ' Cancelling after this batch…'; } }, 'Cancel');

            const selection = () => {
              const data = new FormData(form);
              const by = data.get('by'), value = String(data.get('value') || '').trim(), type = data.get('type');
              if ((by === 'tag' || by === 'prefix') && !value) throw new Error('Give a ' + by + '.');
              const scoped = by === 'all' ? types : [type];
              const listing = scoped.map((t) => by === 'tag' ? ['resources/image/tags/' + encodeURIComponent(value), { type: t }]
                : ['resources/image/' + t, by === 'prefix' ? { prefix: value } : {}]);
              const keep = data.get('what') === 'derived';
              const deleting = scoped.map((t) => by === 'tag' ? ['resources/image/tags/' + encodeURIComponent(value), { type: t, keep_original: keep, invalidate: true }]
                : ['resources/image/' + t, Object.assign(by === 'prefix' ? { prefix: value } : { all: true }, { keep_original: keep, invalidate: true })]);
              return { by, value, keep, listing, deleting, label: by === 'all' ? 'everything' : by === 'type' ? 'type ' + type : `${by} "${value}" (${type})` };
            };

            form.addEventListener('submit', async (event) => {
              event.preventDefault();
              result.replaceChildren();
              let s;
              try { s = selection(); } catch (error) { preview.replaceChildren(el('p', { class: 'error', text: error.message })); return; }
              preview.replaceChildren(el('p', { class: 'muted', text: 'Counting…' }));
              let originals = 0, derived = 0, bytes = 0, capped = false;
              for (const [path, params] of s.listing) {
                let cursor = null, pages = 0;
                do {
                  const page = await D.api('GET', path, Object.assign({ max_results: 500, derived_stats: true, next_cursor: cursor }, params));
                  for (const r of page.resources) {
                    if (s.by === 'prefix' && !r.public_id.startsWith(s.value)) continue;
                    originals += 1; derived += r.derived_count; bytes += r.derived_bytes + (s.keep ? 0 : r.bytes);
                  }
                  cursor = page.next_cursor; pages += 1;
                  if (pages >= 40 && cursor) { capped = true; cursor = null; }
                } while (cursor);
              }
              const more = capped ? 'at least ' : '';
              const text = s.keep ? `${more}${D.count(derived, 'derived image')} of ${D.count(originals, 'original')} (${D.bytes(bytes)}) will be deleted; the originals stay.`
                : `${more}${D.count(originals, 'original')} and their ${D.count(derived, 'derived image')} (${D.bytes(bytes)}) will be deleted.`;
              const run = el('button', { type: 'button', class: 'danger', id: 'bulk-run', disabled: originals === 0, onclick: async () => {
                if (!(await D.confirm(`Delete by ${s.label}: ${text}`))) return;
                run.disabled = true; cancelled = false; cancel.disabled = false; cancel.classList.remove('hidden');
                const before = await D.lastSequence();
                try {
                  const totals = await runBatches(s.deleting, (n) => {
                    progress.textContent = `Batch ${n.batches} done: ${n.originals} originals and ${n.derived} derived images deleted so far.`;
                  }, () => cancelled);
                  const events = await D.invalidationsSince(before);
                  result.replaceChildren(el('section', { class: 'panel' },
                    el('h3', { text: totals.cancelled ? 'Cancelled' : 'Done' }),
                    el('p', {}, 'Deleted ', el('strong', { id: 'bulk-originals', text: totals.originals }), ' originals and ',
                      el('strong', { id: 'bulk-derived', text: totals.derived }), ' derived images in ', el('span', { id: 'bulk-batches', text: totals.batches }), ' batches.'),
                    el('p', { text: `${events.length} invalidation events named ${events.reduce((n, e) => n + (e.urls || []).length, 0)} URLs.` })));
                } catch (error) {
                  result.replaceChildren(el('p', { class: 'error', text: error.message }));
                }
                cancel.classList.add('hidden');
              } }, 'Delete');
              preview.replaceChildren(el('p', { id: 'bulk-count', text }), run);
            });
            return [el('h2', { text: 'Bulk delete' }), form, preview, el('div', { class: 'actions' }, cancel), progress, result];
          };

          // Upload many files (drag and drop or a file picker), each with progress and its own error.
          D.views.upload = async function () {
            const list = el('table', { id: 'upload-list' }, el('tbody'));
            const input = el('input', { type: 'file', id: 'upload-input', multiple: true, accept: 'image/*' });
            const folder = el('input', { id: 'upload-folder', placeholder: 'folder (optional)' });
            const tags = el('input', { id: 'upload-tags', placeholder: 'tags, comma separated' });
            const drop = el('div', { class: 'drop', id: 'drop-zone' }, el('p', { text: 'Drop images here, or ' }), input);
            const send = (file) => {
              const status = el('td', { class: 'upload-status', text: 'waiting' });
              const bar = el('progress', { max: 100, value: 0 });
              list.tBodies[0].append(el('tr', { 'data-file': file.name }, el('td', { text: file.name }), el('td', { class: 'num', text: D.bytes(file.size) }), el('td', {}, bar), status));
              return () => new Promise((resolve) => {
                const form = new FormData();
                form.append('file', file, file.name);
                form.append('use_filename', 'true');
                form.append('unique_filename', 'false');
                if (folder.value.trim()) form.append('folder', folder.value.trim());
                if (tags.value.trim()) form.append('tags', tags.value.trim());
                const xhr = new XMLHttpRequest();
                xhr.open('POST', '/v1_1/' + encodeURIComponent(D.state.session.cloud_name) + '/image/upload');
                xhr.setRequestHeader('X-CSRF-Token', D.state.session.csrf_token);
                xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total); });
                xhr.addEventListener('load', () => {
                  let body = {};
                  try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
                  if (xhr.status === 200 && !body.error) {
                    bar.value = 100; status.className = 'upload-status ok';
                    status.replaceChildren(el('a', { href: '#/resource/' + body.type + '/' + encodeURIComponent(body.public_id), text: 'uploaded as ' + body.public_id }));
                  } else {
                    status.className = 'upload-status error';
                    status.textContent = (body.error && body.error.message) || 'HTTP ' + xhr.status;
                  }
                  resolve();
                });
                xhr.addEventListener('error', () => { status.className = 'upload-status error'; status.textContent = 'network error'; resolve(); });
                status.textContent = 'uploading';
                xhr.send(form);
              });
            };
            const accept = async (files) => {
              const jobs = Array.from(files).map(send);
              for (const job of jobs) await job();
            };
            input.addEventListener('change', () => { accept(input.files); });
            drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
            drop.addEventListener('dragleave', () => drop.classList.remove('over'));
            drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); accept(e.dataTransfer.files); });
            return [el('h2', { text: 'Upload' }), el('div', { class: 'filters' }, folder, tags), drop, list];
          };
        })();
        """#
}
