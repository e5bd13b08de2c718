/// The console's JavaScript, part 2: the originals grid and an original's page.
extension ConsoleScript {
    static let views = #"""
        'use strict';
        (function () {
          const D = window.Derive;
          const el = D.el;
          const types = ['upload', 'private', 'authenticated'];

          // Originals: filter by prefix, tag and type; pages follow the API's next_cursor.
          D.views.browse = async function (query) {
            const prefix = query.get('prefix') || '';
            const tag = query.get('tag') || '';
            const type = query.get('type') || 'upload';
            const cursor = query.get('cursor') || '';
            const max = Math.min(500, Math.max(1, parseInt(query.get('max') || '24', 10) || 24));
            const params = { max_results: max, tags: true, derived_stats: true, next_cursor: cursor };
            let path;
            if (tag) {
              path = 'resources/image/tags/' + encodeURIComponent(tag);
              if (type !== 'all') params.type = type;
            } else {
              path = 'resources/image' + (type === 'all' ? '' : '/' + type);
              if (prefix) params.prefix = prefix;
            }
            const page = await D.api('GET', path, params);
            let resources = page.resources;
            if (tag && prefix) resources = resources.filter((r) => r.public_id.startsWith(prefix));

            const form = el('form', { class: 'filters', id: 'browse-filters', onsubmit: (event) => {
              event.preventDefault();
              const data = new FormData(event.target);
              location.hash = '#/browse?' + new URLSearchParams({ prefix: data.get('prefix'), tag: data.get('tag'), type: data.get('type'), max });
            } },
              el('label', {}, 'Folder / prefix', el('input', { name: 'prefix', id: 'filter-prefix', value: prefix, placeholder: 'shop/' })),
              el('label', {}, 'Tag', el('input', { name: 'tag', id: 'filter-tag', value: tag })),
              el('label', {}, 'Type', el('select', { name: 'type', id: 'filter-type' },
                types.concat(['all']).map((t) => el('option', { value: t, selected: t === type }, t)))),
              el('button', { type: 'submit', class: 'primary' }, 'Filter'));

            const grid = el('div', { class: 'grid', id: 'originals' }, resources.map((r) =>
              el('a', { class: 'card', href: '#/resource/' + r.type + '/' + encodeURIComponent(r.public_id), 'data-public-id': r.public_id },
                r.type === 'upload' ? el('img', { src: D.thumbnailURL(r), alt: r.public_id, loading: 'lazy' }) : el('div', { class: 'noimg' }),
                el('div', { class: 'meta' },
                  el('div', { class: 'pid', text: r.public_id }),
                  el('div', {}, `${r.format.toUpperCase()} · ${r.width}×${r.height} · ${D.bytes(r.bytes)}`),
                  el('div', { class: 'muted' }, `v${r.version} · ${D.date(r.created_at)}`),
                  el('div', { class: 'derived-stats' }, `${r.derived_count} derived · ${D.bytes(r.derived_bytes)}`),
                  (r.tags || []).length ? el('div', {}, r.tags.map((t) => el('span', { class: 'tag', text: t }))) : null))));

            const base = new URLSearchParams({ prefix, tag, type, max });
            const pager = el('div', { class: 'pager' },
              cursor ? el('a', { href: '#/browse?' + base, id: 'first-page' }, '« First page') : null,
              page.next_cursor ? el('a', { href: '#/browse?' + new URLSearchParams({ prefix, tag, type, max, cursor: page.next_cursor }), id: 'next-page' }, 'Next page »') : null,
              el('span', { class: 'muted' }, `${resources.length} original${resources.length === 1 ? '' : 's'} on this page`));
            const empty = resources.length === 0 ? el('p', { class: 'muted', text: 'No originals match.' }) : null;
            return [el('h2', { text: 'Originals' }), form, empty, grid, pager];
          };

          // An original: metadata, tags, its derived images, and the deletes.
          D.views.resource = async function (query, parts) {
            const [type, publicID] = parts;
            const r = await D.api('GET', 'resources/image/' + encodeURIComponent(type) + '/' + D.encodeID(publicID));
            const readOnly = D.state.session.read_only;
            const reload = () => D.route();
            const fact = (name, value) => [el('dt', { text: name }), el('dd', {}, value)];
            const copyButton = (url) => el('button', { type: 'button', class: 'copy', onclick: (e) => D.copy(url, e.target) }, 'Copy URL');

            const tagForm = readOnly ? null : el('form', { class: 'actions', id: 'tag-form', onsubmit: async (event) => {
              event.preventDefault();
              const tags = event.target.elements.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
              try {
                await D.uploadAPI('tags', tags.length ? { command: 'replace', tag: tags.join(','), public_ids: [publicID], type }
                  : { command: 'remove_all', public_ids: [publicID], type });
                D.flash(el('p', { class: 'panel ok', id: 'tags-saved', text: 'Tags saved.' }));
                reload();
              } catch (error) { event.target.append(el('span', { class: 'error', text: error.message })); }
            } },
              el('input', { name: 'tags', id: 'tags-input', value: (r.tags || []).join(', '), size: 40 }),
              el('button', { type: 'submit' }, 'Save tags'));

            const renderForm = el('form', { class: 'actions', id: 'render-form', onsubmit: async (event) => {
              event.preventDefault();
              const t = event.target.elements.transformation.value.trim().replace(/^\/+|\/+$/g, '');
              const format = event.target.elements.format.value || r.format;
              const url = '/' + D.state.session.cloud_name + '/image/' + type + '/' + (t ? t + '/' : '') + 'v' + r.version + '/' + D.encodeID(publicID) + '.' + format;
              const response = await fetch(url, { credentials: 'same-origin' });
              if (!response.ok) {
                event.target.append(el('span', { class: 'error', id: 'render-error', text: response.headers.get('X-Cld-Error') || 'HTTP ' + response.status }));
                return;
              }
              D.flash(el('p', { class: 'panel ok', id: 'render-done', text: 'Rendered ' + url }));
              reload();
            } },
              el('input', { name: 'transformation', id: 'render-transformation', placeholder: 'c_fill,w_300,h_200', size: 30 }),
              el('select', { name: 'format', id: 'render-format' }, ['', 'jpg', 'png', 'webp', 'avif', 'gif'].map((f) => el('option', { value: f }, f || 'same format'))),
              el('button', { type: 'submit' }, 'Request derived URL'));

            const remove = async (title, text, call, after) => {
              if (!(await D.confirm(text))) return;
              try {
                const panel = await D.deleteWithInvalidation(title, call);
                D.flash(panel);
                if (after) after(); else reload();
              } catch (error) { D.flash(el('p', { class: 'panel error', text: error.message })); reload(); }
            };
            const countSummary = (result) => {
              const c = Object.values(result.deleted_counts || {})[0] || { original: 0, derived: 0 };
              return `Deleted ${c.original} original${c.original === 1 ? '' : 's'} and ${c.derived} derived image${c.derived === 1 ? '' : 's'}.`;
            };

            const rows = r.derived.map((d) => el('tr', { 'data-derived-id': d.id, 'data-transformation': d.transformation },
              el('td', {}, type === 'upload' ? el('img', { class: 'preview', src: D.path(d.url), alt: d.transformation, loading: 'lazy' }) : null),
              el('td', {}, el('code', { text: d.transformation || '(format only)' }), d.transformation === D.thumbnail ? el('div', { class: 'muted', text: 'console thumbnail' }) : null),
              el('td', { text: d.format }),
              el('td', { text: `${d.width}×${d.height}` }),
              el('td', { class: 'num', text: D.bytes(d.bytes) }),
              el('td', {}, el('code', { text: d.renderer || '' })),
              el('td', { text: D.date(d.created_at) }),
              el('td', {}, copyButton(d.url),
                readOnly ? null : el('button', { type: 'button', class: 'danger delete-derived', onclick: () => remove(
                  'Deleted derived image ' + (d.transformation || d.format),
                  `Delete the derived image ${d.transformation || '(format only)'} (${d.format})? The original stays.`,
                  async () => { const res = await D.api('DELETE', 'derived_resources', { derived_resource_ids: [d.id], invalidate: true }); return `Result: ${res.deleted[d.id]}.`; }) }, 'Delete'))));

            const actions = readOnly ? null : el('div', { class: 'actions' },
              el('button', { type: 'button', class: 'danger', id: 'delete-all-derived', disabled: r.derived.length === 0, onclick: () => remove(
                'Deleted all derived images of ' + publicID,
                `Delete all ${r.derived.length} derived images of ${publicID}? The original stays.`,
                async () => countSummary(await D.api('DELETE', 'resources/image/' + type, { public_ids: [publicID], keep_original: true, invalidate: true }))) },
                'Delete all derived images'),
              el('button', { type: 'button', class: 'danger', id: 'delete-original', onclick: () => remove(
                'Deleted ' + publicID + ' and everything derived from it',
                `Delete the original ${publicID} and its ${r.derived.length} derived images? This cannot be undone.`,
                async () => countSummary(await D.api('DELETE', 'resources/image/' + type, { public_ids: [publicID], invalidate: true })),
                () => { if (location.hash.startsWith('#/browse')) D.route(); else location.hash = '#/browse'; }) },
                'Delete original and all derived'));

            const derivedBytes = r.derived.reduce((sum, d) => sum + d.bytes, 0);
            return [
              el('p', {}, el('a', { href: '#/browse', text: '« Originals' })),
              el('h2', { id: 'resource-title', text: publicID }),
              el('div', { class: 'detail' },
                el('div', {}, type === 'upload' ? el('img', { class: 'original', src: D.path(r.url), alt: publicID }) : el('p', { class: 'muted', text: 'No preview for type ' + type })),
                el('div', {},
                  el('dl', { class: 'facts' },
                    fact('Public id', publicID), fact('Type', r.type), fact('Format', r.format),
                    fact('Size', `${r.width}×${r.height}`), fact('Bytes', D.bytes(r.bytes)),
                    fact('Version', `v${r.version} (version id ${r.version_id}; an overwrite replaces it with its derivatives)`),
                    fact('Created', D.date(r.created_at)), fact('Asset id', r.asset_id), fact('ETag', r.etag),
                    fact('URL', [el('code', { text: r.url }), ' ', copyButton(r.url)]),
                    fact('Tags', (r.tags || []).length ? r.tags.map((t) => el('span', { class: 'tag', text: t })) : el('span', { class: 'muted', text: 'none' }))),
                  tagForm)),
              el('h3', { text: `Derived images (${r.derived.length}, ${D.bytes(derivedBytes)})` }),
              renderForm,
              actions,
              el('table', { id: 'derived' },
                el('thead', {}, el('tr', {}, ['Preview', 'Transformation', 'Format', 'Size', 'Bytes', 'Renderer', 'Created', ''].map((h) => el('th', { text: h })))),
                el('tbody', {}, rows)),
              r.derived.length === 0 ? el('p', { class: 'muted', id: 'no-derived', text: 'Nothing derived yet.' }) : null,
            ];
          };
        })();
        """#
}
