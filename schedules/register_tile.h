// The register tile of a bit-serial schedule, in output rows and weight vectors.
//
// The knobs give the tile in accumulator vectors (plane-rows x plane-vectors). A kernel with
// fixed bit widths unrolls its a x w plane pairs inside the tile, so the tile spans fewer
// rows and vectors; where the widths do not divide the knobs (3 bits), rows are added while the
// accumulators stay under a quarter over the knobs' count, so a 3A3W tile holds 18 vectors
// (2 rows x 1 vector x 9 pairs) rather than 9.
#pragma once

#include <algorithm>

namespace lpgen {

struct RegisterTile {
    int rows;
    int vecs;
};

inline RegisterTile fit_register_tile(int plane_rows, int plane_vecs, int a_planes, int w_planes) {
    RegisterTile t{std::max(1, plane_rows / a_planes), std::max(1, plane_vecs / w_planes)};
    const int budget = plane_rows * plane_vecs;
    while ((t.rows + 1) * a_planes * t.vecs * w_planes * 4 < budget * 5) ++t.rows;
    return t;
}

}  // namespace lpgen
