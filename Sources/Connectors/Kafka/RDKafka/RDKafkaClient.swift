import CRdKafka

/// A producer or consumer: what both can ask the cluster, through their handle.
protocol RDKafkaClient {
    var handle: RDKafkaHandle { get }
}

extension RDKafkaClient {
    /// The partitions of `topic`, from the cluster's metadata.
    func partitions(of topic: String, timeout: Duration = .seconds(10)) throws -> [Int32] {
        guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
            throw KafkaError(action: "looking up topic \(topic)", message: "librdkafka refused the topic name")
        }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle.pointer, 0, topicHandle, &metadata, Int32(timeout.milliseconds))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(error, action: "reading metadata of \(topic)") }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt == 1, let entry = metadata.pointee.topics?.pointee else {
            throw KafkaError(action: "reading metadata of \(topic)", message: "no such topic")
        }
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(entry.err, action: "reading metadata of \(topic)") }
        return (0..<Int(entry.partition_cnt)).map { entry.partitions[$0].id }.sorted()
    }

    /// Every topic on the cluster with its number of partitions. Asking for all topics, rather
    /// than one by name, never makes a broker create the topic (some do when asked by name).
    func topics(timeout: Duration = .seconds(10)) throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle.pointer, 1, nil, &metadata, Int32(timeout.milliseconds))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(error, action: "reading the cluster's topics") }
        defer { rd_kafka_metadata_destroy(metadata) }
        var found: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            if entry.err == RD_KAFKA_RESP_ERR_NO_ERROR { found[String(cString: entry.topic)] = Int(entry.partition_cnt) }
        }
        return found
    }

    /// The offset the next record produced to the partition will get (its high watermark).
    func endOffset(topic: String, partition: Int32, timeout: Duration = .seconds(10)) throws -> Int64 {
        try watermarkOffsets(topic: topic, partition: partition, timeout: timeout).high
    }

    /// The offset of the oldest record the partition still holds (its low watermark).
    func startOffset(topic: String, partition: Int32, timeout: Duration = .seconds(10)) throws -> Int64 {
        try watermarkOffsets(topic: topic, partition: partition, timeout: timeout).low
    }

    private func watermarkOffsets(topic: String, partition: Int32, timeout: Duration) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let error = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, Int32(timeout.milliseconds))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, action: "reading the offsets of \(topic)[\(partition)]") }
        return (low, high)
    }
}
