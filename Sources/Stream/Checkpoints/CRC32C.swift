/// CRC-32C (Castagnoli), the checksum checkpoint files are verified with: cheap, and it finds
/// torn writes and flipped bits. Table-driven, one byte at a time.
///
/// ```swift
/// CRC32C.checksum(Array("123456789".utf8))   // 0xE3069283, the standard check value
/// ```
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
