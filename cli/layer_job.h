// One layer at one precision, ready to run: random operands made and weights packed once, so
// run() times exactly what a program pays per call (bit-serial: quantize-and-pack the fp32
// activations, then conv2d with its epilogue; MX: the drop-in call that quantizes the fp32
// activations inside; baselines: the generated dense kernel on prepared operands).
#pragma once

#include <memory>
#include <string>

#include "layer_set.h"
#include "precision.h"

namespace lpgen::cli {

struct Verdict {
    bool ok = false;
    std::string detail;  // the first mismatch, or the bound that held
};

class LayerJob {
public:
    virtual ~LayerJob() = default;
    // One call; returns the name of the kernel that ran.
    virtual std::string run() = 0;
    // The operator call alone, on inputs run() already prepared (bit-serial: the activations
    // packed by the last run()); what the tuner times. Jobs whose call prepares nothing extra
    // run() it.
    virtual std::string run_operator() { return run(); }
    // Runs once and compares the output with the independent scalar reference (tests/reference).
    virtual Verdict verify() = 0;
};

std::unique_ptr<LayerJob> make_job(const Layer &layer, const Precision &precision, unsigned seed);

// Multiply-accumulates of one call (1 MAC = 2 ops).
double layer_macs(const Conv2dShape &s);

}  // namespace lpgen::cli
