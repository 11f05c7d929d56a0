public import Stream

/// Training on batches: each round, a model is fitted on every batch of the data as a task
/// (starting from the last merged model), then a merge task that depends on all of them
/// averages the models. The whole graph — every round — is submitted at once; the runtime
/// runs each task when its inputs are ready.
public enum BatchTraining {
    static let trueWeights = [2.0, -3.0, 0.5]
    static let trueBias = 1.0
    static let noise = 0.1

    public static func run(
        runtime: Runtime,
        samples: Int = 200_000,
        batches: Int = 8,
        rounds: Int = 10,
        epochs: Int = 1,
        learningRate: Double = 0.0001,
        seed: UInt64 = 7,
        print: @escaping @Sendable (String) -> Void
    ) async throws -> [SampleCheck] {
        let training = Dataset.synthetic(count: samples, weights: trueWeights, bias: trueBias, noise: noise, seed: seed)
        let holdout = Dataset.synthetic(count: samples / 10, weights: trueWeights, bias: trueBias, noise: noise, seed: seed + 1)
        let ranges = Chunking.ranges(count: samples, workers: batches, minimumPerTask: 1, tasksPerWorker: 1)
        let rows = ranges.map(\.count)

        let data = runtime.put(training)
        let test = runtime.put(holdout)
        var model = runtime.put(LinearModel(dimension: trueWeights.count))
        var losses: [TaskRef<Double>] = []
        for _ in 0..<rounds {
            let fitted = ranges.map { range in
                runtime.submit(after: data, model) { data, start in
                    var local = start
                    local.train(on: data, rows: range, epochs: epochs, learningRate: learningRate)
                    return local
                }
            }
            model = runtime.submit(afterAll: fitted) { LinearModel.average($0, rows: rows) }
            losses.append(runtime.submit(after: model, test) { model, test in model.meanSquaredError(on: test) })
        }

        print("training: \(Format.grouped(samples)) rows in \(ranges.count) batches, \(rounds) rounds "
            + "(\(rounds * (ranges.count + 2)) tasks submitted at once) on \(runtime.workerCount) workers")
        for (round, loss) in losses.enumerated() {
            print("  round \(round + 1): holdout mean squared error \(Format.fixed(try await loss.value, 6))")
        }
        let final = try await model.value
        let weightText = final.weights.map { Format.fixed($0, 4) }.joined(separator: ", ")
        print("  model: weights [\(weightText)], bias \(Format.fixed(final.bias, 4)) "
            + "(true: [2, -3, 0.5], 1)")

        let reference = sequentialTraining(training, ranges: ranges, rounds: rounds, epochs: epochs, learningRate: learningRate)
        let errors = zip(final.weights + [final.bias], trueWeights + [trueBias]).map { abs($0 - $1) }
        let finalLoss = try await losses.last!.value
        return [
            SampleCheck("the task graph's model equals the sequential computation bit for bit", passed: final == reference),
            SampleCheck("weights and bias within 0.02 of the true ones", passed: errors.allSatisfy { $0 < 0.02 },
                        detail: "largest error \(Format.fixed(errors.max() ?? 0, 5))"),
            SampleCheck("holdout error near the noise floor (\(noise * noise))", passed: finalLoss < noise * noise * 1.15,
                        detail: "\(Format.fixed(finalLoss, 6))"),
        ]
    }

    /// The same rounds of fit-per-batch and average, one after another on this thread.
    static func sequentialTraining(
        _ data: Dataset, ranges: [Range<Int>], rounds: Int, epochs: Int, learningRate: Double
    ) -> LinearModel {
        var model = LinearModel(dimension: data.dimension)
        for _ in 0..<rounds {
            let fitted = ranges.map { range in
                var local = model
                local.train(on: data, rows: range, epochs: epochs, learningRate: learningRate)
                return local
            }
            model = LinearModel.average(fitted, rows: ranges.map(\.count))
        }
        return model
    }
}
