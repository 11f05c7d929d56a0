import Connectors

/// A query result of integers and text as one CSV line (no quoting is ever needed here).
struct NexmarkRow: CSVEncodable {
    enum Field { case number(Int64), text(String) }
    var fields: [Field]

    init(_ fields: Field...) { self.fields = fields }

    func encode(csv line: inout CSVLine) {
        for field in fields {
            switch field {
            case .number(let value): line.append(value)
            case .text(let value): line.append(value)
            }
        }
    }
}
