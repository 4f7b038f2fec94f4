#include "cost_model.h"

#include <cmath>

namespace lpgen::tune {
namespace {

constexpr double kRidge = 0.3;  // pulls rarely seen values towards the mean

// Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting.
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
    const size_t n = b.size();
    for (size_t col = 0; col < n; ++col) {
        size_t pivot = col;
        for (size_t r = col + 1; r < n; ++r)
            if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
        std::swap(a[col], a[pivot]);
        std::swap(b[col], b[pivot]);
        for (size_t r = col + 1; r < n; ++r) {
            const double f = a[r][col] / a[col][col];
            for (size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
            b[r] -= f * b[col];
        }
    }
    std::vector<double> x(n);
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t c = i + 1; c < n; ++c) s -= a[i][c] * x[c];
        x[i] = s / a[i][i];
    }
    return x;
}

}  // namespace

CostModel::CostModel(const SearchSpace &space) : index_(space.names().size()) {
    for (const Config &c : space.valid()) {
        for (size_t k = 0; k < c.size(); ++k) {
            if (!index_[k].count(c[k])) index_[k][c[k]] = width_++;
        }
    }
}

std::vector<double> CostModel::features(const Config &config) const {
    std::vector<double> f(width_, 0.0);
    f[0] = 1.0;
    for (size_t k = 0; k < config.size() && k < index_.size(); ++k) {
        auto it = index_[k].find(config[k]);
        if (it != index_[k].end()) f[it->second] = 1.0;
    }
    return f;
}

void CostModel::add(const Config &config, double seconds) {
    if (!(seconds > 0)) return;
    rows_.push_back(features(config));
    targets_.push_back(std::log(seconds));
    stale_ = true;
}

void CostModel::fit() const {
    std::vector<std::vector<double>> a(width_, std::vector<double>(width_, 0.0));
    std::vector<double> b(width_, 0.0);
    for (size_t r = 0; r < rows_.size(); ++r) {
        for (size_t i = 0; i < width_; ++i) {
            if (rows_[r][i] == 0) continue;
            b[i] += rows_[r][i] * targets_[r];
            for (size_t j = 0; j < width_; ++j) a[i][j] += rows_[r][i] * rows_[r][j];
        }
    }
    for (size_t i = 1; i < width_; ++i) a[i][i] += kRidge;  // the bias is not shrunk
    a[0][0] += 1e-9;
    weights_ = solve(a, b);
    stale_ = false;
}

double CostModel::predict(const Config &config) const {
    if (targets_.empty()) return 0.0;
    if (stale_) fit();
    const std::vector<double> f = features(config);
    double y = 0;
    for (size_t i = 0; i < width_; ++i) y += f[i] * weights_[i];
    return y;
}

}  // namespace lpgen::tune
