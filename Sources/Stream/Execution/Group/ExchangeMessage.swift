/// One message of an exchange's repartition topic: from one producing task, the records it sent
/// to this partition from one batch (with their event time, and that task's own watermark before
/// each), numbered, and the task's watermark after them. A message without records carries the
/// watermark alone, or says the producer is idle.
///
/// Records are numbered per producer and partition, and the numbering is checkpointed with the
/// producer: a producer restored from a checkpoint sends the same records with the same numbers
/// again, and the reader keeps only numbers it has not seen (exactly once without transactions,
/// whoever wrote them — even a stopped owner's last writes racing the new owner's).
struct ExchangeMessage {
    static let magic = 0x5845_4348   // "EXCH"
    /// The producing task (its partition number in the writing sub-pipeline), and how many there are.
    var producer: Int
    var producers: Int
    /// The producer's numbering: a new one when a producer starts without its checkpoint.
    var epoch: Int64
    /// The number of the first record (the next ones follow on).
    var firstSequence: Int64
    /// Whether the producer's input is idle: it does not hold the readers' watermark back.
    var idle: Bool
    /// The producer's watermark after these records.
    var watermark: Int64
    /// The records, as the batch codec wrote them (a batch of their own).
    var batch: ArraySlice<UInt8>

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 49 + batch.count)
        writer.write(Self.magic)
        writer.write(producer)
        writer.write(producers)
        writer.write(epoch)
        writer.write(firstSequence)
        writer.write(idle)
        writer.write(watermark)
        writer.bytes.append(contentsOf: batch)
        return writer.bytes
    }

    init(producer: Int, producers: Int, epoch: Int64, firstSequence: Int64, idle: Bool, watermark: Int64, batch: ArraySlice<UInt8>) {
        self.producer = producer
        self.producers = producers
        self.epoch = epoch
        self.firstSequence = firstSequence
        self.idle = idle
        self.watermark = watermark
        self.batch = batch
    }

    init(decoding bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        guard try reader.readInt() == Self.magic else { throw BinaryRecordError(offset: 0, wanted: 8) }
        producer = try reader.readInt()
        producers = try reader.readInt()
        epoch = try reader.readInt64()
        firstSequence = try reader.readInt64()
        idle = try reader.readBool()
        watermark = try reader.readInt64()
        batch = bytes[reader.offset...]
    }
}
