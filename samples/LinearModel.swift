import Stream

/// Rows of features with a target each, stored flat (row-major) for speed.
struct Dataset: Sendable {
    let dimension: Int
    var features: [Double] = []
    var targets: [Double] = []

    var count: Int { targets.count }

    /// `count` rows with features uniform in [-1, 1) and target `w·x + b + noise`.
    static func synthetic(count: Int, weights: [Double], bias: Double, noise: Double, seed: UInt64) -> Dataset {
        var random = SeededRandom(seed: seed)
        var data = Dataset(dimension: weights.count)
        data.features.reserveCapacity(count * weights.count)
        data.targets.reserveCapacity(count)
        for _ in 0..<count {
            var target = bias
            for weight in weights {
                let x = random.unit() * 2 - 1
                data.features.append(x)
                target += weight * x
            }
            data.targets.append(target + noise * random.normal())
        }
        return data
    }
}

/// y ≈ w·x + b, fitted by stochastic gradient descent on squared error.
struct LinearModel: Sendable, Equatable {
    var weights: [Double]
    var bias = 0.0

    init(dimension: Int) { weights = [Double](repeating: 0, count: dimension) }

    func predict(_ data: Dataset, row: Int) -> Double {
        var sum = bias
        let base = row * data.dimension
        for j in 0..<data.dimension { sum += weights[j] * data.features[base + j] }
        return sum
    }

    /// `epochs` passes of SGD over `rows` of `data`, in order.
    mutating func train(on data: Dataset, rows: Range<Int>, epochs: Int, learningRate: Double) {
        for _ in 0..<epochs {
            for row in rows {
                let error = predict(data, row: row) - data.targets[row]
                let step = learningRate * error
                let base = row * data.dimension
                for j in 0..<data.dimension { weights[j] -= step * data.features[base + j] }
                bias -= step
            }
        }
    }

    func meanSquaredError(on data: Dataset) -> Double {
        var total = 0.0
        for row in 0..<data.count {
            let error = predict(data, row: row) - data.targets[row]
            total += error * error
        }
        return total / Double(max(1, data.count))
    }

    /// The average of `models`, each weighted by how many rows it was trained on.
    static func average(_ models: [LinearModel], rows: [Int]) -> LinearModel {
        var out = LinearModel(dimension: models[0].weights.count)
        let total = Double(rows.reduce(0, +))
        for (model, count) in zip(models, rows) {
            let share = Double(count) / total
            for j in out.weights.indices { out.weights[j] += share * model.weights[j] }
            out.bias += share * model.bias
        }
        return out
    }
}
