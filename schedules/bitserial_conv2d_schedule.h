// Schedule template for the bit-serial conv2d generators (bitserial_conv2d_{i32,f32,packed}).
#pragma once

#include "Halide.h"
#include "knobs.h"

namespace lpgen {

// The Funcs of generators/bitserial_conv2d_generator.cpp that a schedule may touch.
struct BitserialConv2dFuncs {
    Halide::Func output;     // (oc, x, y, b) results, or packed (ocw, plane, x, y, b) words
    Halide::Func core;       // (oc, x, y, b) plane-weighted sum of plane_dot
    Halide::Func plane_dot;  // (ap, wp, oc, x, y, b) popcounts over the window
    Halide::Func a_sum;      // (x, y, b) offset correction
    Halide::Func w_tap;      // (kx, ky, oc) per-tap weight sums
    Halide::Func offsets;    // (oc, class_x, class_y) weight-side offset corrections per pixel class
    Halide::Expr x_classes, y_classes;  // offsets' extents along the class dimensions
    Halide::Func activations;  // activation input (cw, plane, x, y, b), zero outside the image
    Halide::Func weights;    // weight input (cw, plane, kx, ky, oc), zero outside OC
    Halide::Func codes;      // (oc, x, y, b) requantized codes, only for packed output
    Halide::Func groups;        // 8 codes per uint64 before packing, only for packed output
    Halide::Expr oc_extent, x_extent;  // output channels and output width of the call
    bool fixed_bits;         // plane counts are compile-time constants:
    int a_planes, w_planes;  // these (when fixed_bits)
};

// Knobs: vec_words, tile_vecs, tile_x, unroll_c, pixels_inner, parallel (meanings in the .cpp).
const KnobSpace &bitserial_conv2d_knob_space();
// The register tile (tile_x x tile_vecs vectors of vec_words words) fits the profile.
bool bitserial_conv2d_knobs_fit(const Knobs &knobs, Profile profile);

void apply_bitserial_conv2d_schedule(BitserialConv2dFuncs funcs, const Knobs &knobs,
                                     const Halide::Target &target);

}  // namespace lpgen
