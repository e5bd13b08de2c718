#ifndef CVIPS_SHIM_H
#define CVIPS_SHIM_H

#include <vips/vips.h>
#include <vips/vector.h>  /* vips_vector_set_enabled: liborc off (VipsRuntime.vectorEnabled) */
#include <malloc.h>

/* G_TYPE_* and a few libvips helpers are function-like macros or variadic functions,
   which Swift cannot import; these static inline wrappers expose them. */

static inline GType cvips_gtype_int(void) { return G_TYPE_INT; }
static inline GType cvips_gtype_uint64(void) { return G_TYPE_UINT64; }
static inline GType cvips_gtype_double(void) { return G_TYPE_DOUBLE; }
static inline GType cvips_gtype_boolean(void) { return G_TYPE_BOOLEAN; }
static inline GType cvips_gtype_string(void) { return G_TYPE_STRING; }
static inline GType cvips_gtype_enum(void) { return G_TYPE_ENUM; }
static inline GType cvips_gtype_flags(void) { return G_TYPE_FLAGS; }
static inline GType cvips_gtype_boxed(void) { return G_TYPE_BOXED; }
static inline GType cvips_gtype_object(void) { return G_TYPE_OBJECT; }
static inline GType cvips_type_image(void) { return VIPS_TYPE_IMAGE; }
static inline GType cvips_type_blob(void) { return VIPS_TYPE_BLOB; }
static inline GType cvips_type_array_double(void) { return VIPS_TYPE_ARRAY_DOUBLE; }
static inline GType cvips_type_array_int(void) { return VIPS_TYPE_ARRAY_INT; }
static inline GType cvips_type_array_image(void) { return VIPS_TYPE_ARRAY_IMAGE; }

static inline GObject *cvips_gobject(void *p) { return G_OBJECT(p); }
static inline VipsObject *cvips_object(void *p) { return VIPS_OBJECT(p); }

/* VIPS_INIT's ABI check, which Swift cannot call as a macro. */
static inline int cvips_abi_ok(void) {
    return vips_version(3) - vips_version(5) == VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE;
}

/* Render timeouts: libvips emits "eval" while computing an image; past the deadline the handler
   sets the kill flag and the computation fails ("killed"). */
static inline void cvips_eval_deadline_cb(VipsImage *image, VipsProgress *progress, void *deadline) {
    (void)progress;
    if (g_get_monotonic_time() > *(gint64 *)deadline) vips_image_set_kill(image, TRUE);
}
/* Render deadlines: every image a render creates is watched; each handler owns a copy of the deadline,
   freed with the handler, so an image may outlive the render that made it. Progress is signalled
   on the most-downstream image that asked for it, so sinks inside analysis operations (find_trim,
   smartcrop, percent) and decoders are stopped too. */
static inline void cvips_attach_deadline(VipsImage *image, gint64 deadline) {
    gint64 *copy = g_new(gint64, 1);
    *copy = deadline;
    /* Each watched image signals on itself. libvips copies an upstream image's progress_signal into
       downstream images as a plain pointer, and an image that does not keep its upstream alive (a
       memory copy) would then write progress into a freed image: heap corruption under load. */
    image->progress_signal = image;
    g_signal_connect_data(image, "eval", G_CALLBACK(cvips_eval_deadline_cb), copy,
        (GClosureNotify)(void (*)(void))g_free, 0);
}
/* No progress signalling: drops a progress_signal pointer inherited from an upstream image that this
   image does not keep alive (vips_image_copy_memory's result). */
static inline void cvips_clear_progress(VipsImage *image) { image->progress_signal = NULL; }
/* glibc malloc settings (see VipsRuntime.configureMallocForRendering). */
static inline int cvips_malloc_arena_max(int count) { return mallopt(M_ARENA_MAX, count); }
static inline int cvips_malloc_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
static inline int cvips_malloc_trim_threshold(int bytes) { return mallopt(M_TRIM_THRESHOLD, bytes); }
static inline gint64 cvips_monotonic_time(void) { return g_get_monotonic_time(); }

#endif
