#ifndef BENCH_CNGHTTP2_SHIM_H
#define BENCH_CNGHTTP2_SHIM_H

#include <nghttp2/nghttp2.h>

// nghttp2_frame is a C union; these read its common header without Swift union gymnastics.
static inline uint8_t CNghttp2_frame_type(const nghttp2_frame *frame) { return frame->hd.type; }
static inline uint8_t CNghttp2_frame_flags(const nghttp2_frame *frame) { return frame->hd.flags; }
static inline int32_t CNghttp2_frame_stream_id(const nghttp2_frame *frame) {
    return frame->hd.stream_id;
}
/// The category of a HEADERS frame (request headers, response, trailers...).
static inline int CNghttp2_headers_category(const nghttp2_frame *frame) {
    return (int)frame->headers.cat;
}

#endif
