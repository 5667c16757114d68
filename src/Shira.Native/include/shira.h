/*
 * shira.h: the C interface of libshira, a reader and applier of .shira sparse-adapter files (spec/SPEC.md).
 *
 * libshira is the ShiraFormat .NET code (Shira.Format, Shira.Runtime) compiled with Native AOT: the same reader,
 * validator and apply kernels as the `shira` command, with no .NET runtime needed.
 *
 * Conventions
 * - Every function returns an int: 0 (SHIRA_OK) on success, otherwise a stable SHIRA-Ennnn number (e.g. 3003 for
 *   SHIRA-E3003, a section checksum mismatch). The codes are listed in spec/SPEC.md section 15.
 *   shira_last_error() returns the message of the last failure on the calling thread.
 * - No call crashes the process on a bad file or a bad argument: NULL pointers, unknown or closed handles, short
 *   buffers and corrupt files are reported as codes. When a call fails, nothing was written to caller buffers
 *   (and caller weights are untouched).
 * - Strings are UTF-8 and NUL-terminated. Strings a function allocates (char **out) are freed with shira_free().
 *   Strings inside a shira_tensor_info belong to the adapter and live until shira_close().
 * - An adapter handle may be used from several threads at once for reads; apply/revert into distinct buffers may
 *   run concurrently too. Closing a handle while another thread uses it is the caller's error (reported, not fatal,
 *   for calls that start after the close).
 */
#ifndef SHIRA_H
#define SHIRA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHIRA_ABI_VERSION 1

/* Return codes (a subset; any SHIRA-Ennnn number can be returned, see spec/SPEC.md section 15). */
#define SHIRA_OK 0
#define SHIRA_E_BASE_SHAPE_MISMATCH 6002       /* the weights' shape differs from the entry's */
#define SHIRA_E_BASE_DTYPE_MISMATCH 6003       /* the weights' dtype differs from the recorded base dtype */
#define SHIRA_E_BASE_FINGERPRINT_MISMATCH 6004 /* the weights are not the base the adapter was made for */
#define SHIRA_E_IO 9001                        /* the file cannot be opened or read */
#define SHIRA_E_USAGE 9002                     /* a bad argument (NULL pointer, unknown dtype, bad shape, ...) */
#define SHIRA_E_BUFFER_TOO_SMALL 8001          /* a caller buffer is too small; nothing was written */
#define SHIRA_E_INVALID_HANDLE 8002            /* the handle is NULL, unknown or already closed */
#define SHIRA_E_NOT_FOUND 8003                 /* no tensor of that name / index out of range */
#define SHIRA_E_INTERNAL 8004                  /* an unexpected internal error (a bug: please report it) */

/* Element types (values of the adapter, weights of the base). */
typedef enum shira_dtype {
    SHIRA_DTYPE_OTHER = 0, /* a base dtype adapters cannot patch (see base_dtype_name) */
    SHIRA_DTYPE_F32 = 1,
    SHIRA_DTYPE_F16 = 2,
    SHIRA_DTYPE_BF16 = 3
} shira_dtype;

typedef enum shira_semantics {
    SHIRA_SEMANTICS_ADD = 1,    /* W[i] = round(f32(W[i]) + f32(scale * v)) */
    SHIRA_SEMANTICS_REPLACE = 2 /* W[i] = round(v); the scale is ignored */
} shira_semantics;

typedef enum shira_index_encoding {
    SHIRA_INDEX_RAW_U32 = 1,
    SHIRA_INDEX_RAW_U64 = 2,
    SHIRA_INDEX_DELTA_BITPACKED = 3,
    SHIRA_INDEX_DELTA_VARINT = 4,
    SHIRA_INDEX_STRUCTURED = 5
} shira_index_encoding;

/* Flags of shira_apply / shira_revert. */
#define SHIRA_APPLY_DEFAULT 0u
#define SHIRA_APPLY_ANY_DTYPE 1u        /* apply a REPLACE entry to an f32/f16/bf16 buffer even if it records another base
                                           dtype (ADD entries apply to any of them without this flag) */
#define SHIRA_APPLY_NO_FINGERPRINT 2u   /* skip the base fingerprint check (shape; dtype and content hash when recorded) */

/* An open adapter (memory-mapped; header, trailer and manifest checked). */
typedef struct shira_adapter shira_adapter;

/* One tensor entry. Strings belong to the adapter (valid until shira_close). */
typedef struct shira_tensor_info {
    const char *name;            /* target tensor name */
    int32_t rank;                /* 1..8 */
    int32_t semantics;           /* shira_semantics */
    int64_t shape[8];            /* shape[0..rank) */
    uint64_t numel;              /* product of the shape */
    uint64_t nnz;                /* stored (index, value) pairs */
    int32_t value_dtype;         /* shira_dtype of the stored values */
    int32_t base_dtype;          /* shira_dtype the entry was made for (OTHER: see base_dtype_name) */
    const char *base_dtype_name; /* safetensors spelling, e.g. "BF16" */
    float scale;                 /* the entry's own scale (ADD); applied as entry scale * user scale */
    int32_t index_encoding;      /* shira_index_encoding */
    int32_t index_set;           /* tensors with equal ids share one mask */
    int32_t reserved;
} shira_tensor_info;

/* The result of shira_validate. Strings are allocated; release them with shira_issue_clear. */
typedef struct shira_issue {
    int32_t code;       /* SHIRA-Ennnn number of the first problem, 0 when the file is valid */
    int32_t count;      /* number of problems found */
    int64_t offset;     /* absolute byte offset in the file, -1 when unknown */
    char *name;         /* the code's name, e.g. "SectionChecksum" (NULL when valid) */
    char *tensor;       /* the tensor concerned, or NULL */
    char *message;      /* one line: code, file, tensor, offset, message (NULL when valid) */
} shira_issue;

/* Library version ("0.1.0") and ABI version (SHIRA_ABI_VERSION). The string is static. */
const char *shira_version(void);
int32_t shira_abi_version(void);

/* The message of the last failed call on this thread ("" if none). Valid until the next failing call on the
 * same thread. */
const char *shira_last_error(void);

/* Releases a string or buffer returned through a char ** / void ** out-parameter. NULL is ignored. */
void shira_free(void *p);

/* Fully validates a file (layout, manifest, every checksum, every index) without opening a handle. Returns the
 * code of the first problem (0 when valid) and, if issue is not NULL, fills it (release with shira_issue_clear).
 * issues_json, if not NULL, receives a JSON array of every problem ({code, name, tensor, offset, message}). */
int shira_validate(const char *path, shira_issue *issue, char **issues_json);
void shira_issue_clear(shira_issue *issue);

/* The name of a code ("SectionChecksum") as a static string; "" for an unknown code. */
const char *shira_error_name(int code);

/* Opens (memory-maps) an adapter. *out is set to NULL on failure. */
int shira_open(const char *path, shira_adapter **out);
/* Closes a handle; closing NULL is a no-op returning 0, closing an unknown handle returns SHIRA_E_INVALID_HANDLE. */
int shira_close(shira_adapter *adapter);

/* Tensor entries, in name order. */
int shira_tensor_count(shira_adapter *adapter, uint64_t *count);
int shira_tensor_info_at(shira_adapter *adapter, uint64_t index, shira_tensor_info *info);
int shira_find_tensor(shira_adapter *adapter, const char *name, uint64_t *index);

/* JSON: the tensor list ([{name, shape, numel, nnz, value_dtype, base_dtype, semantics, scale, index_encoding,
 * index_set}]) and the metadata ({format_version, name, description, base_model, base_fingerprint, provenance,
 * parameters, extra}). Free with shira_free. */
int shira_tensors_json(shira_adapter *adapter, char **json);
int shira_metadata_json(shira_adapter *adapter, char **json);

/* Decodes a tensor's flat row-major indices (strictly increasing, range-checked). capacity is in elements and must
 * be >= nnz (else SHIRA_E_BUFFER_TOO_SMALL and nothing written). The u32 form refuses tensors of more than 2^32
 * elements (SHIRA_E_USAGE). */
int shira_read_indices_u32(shira_adapter *adapter, uint64_t index, uint32_t *dst, uint64_t capacity);
int shira_read_indices_u64(shira_adapter *adapter, uint64_t index, uint64_t *dst, uint64_t capacity);

/* Reads a tensor's values widened to f32 (capacity in elements), or as stored (value_dtype little-endian bytes;
 * capacity in bytes, >= nnz * element size). */
int shira_read_values_f32(shira_adapter *adapter, uint64_t index, float *dst, uint64_t capacity);
int shira_read_values_raw(shira_adapter *adapter, uint64_t index, void *dst, uint64_t capacity_bytes);

/* Zero-copy view of the stored values (value_dtype, nnz elements): a pointer into the map, or into a decoded
 * buffer owned by the adapter for LZ4 sections. Valid until shira_close. Checksum verified on first access. */
int shira_values_view(shira_adapter *adapter, uint64_t index, const void **data, uint64_t *byte_length);

/* Applies one entry to caller-owned weights of dtype (f32/f16/bf16) and shape[0..rank), exactly as `shira apply`
 * does: each position becomes round(f32(W) + f32(scale * v)) in the weights' dtype (REPLACE: round(v)), with the
 * effective scale = entry scale * scale computed once in f32. If originals is not NULL it receives the overwritten
 * elements (originals_bytes >= nnz * element size, else SHIRA_E_BUFFER_TOO_SMALL), which shira_revert puts back.
 * Every check and index decode happens before the first write: on failure the weights are untouched. */
int shira_apply(shira_adapter *adapter, uint64_t index, void *weights, int32_t dtype, const int64_t *shape,
                int32_t rank, float scale, void *originals, uint64_t originals_bytes, uint32_t flags);

/* Writes originals (from shira_apply with the same entry and weights) back: bit-identical weights again. */
int shira_revert(shira_adapter *adapter, uint64_t index, void *weights, int32_t dtype, const int64_t *shape,
                 int32_t rank, const void *originals, uint64_t originals_bytes, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* SHIRA_H */
