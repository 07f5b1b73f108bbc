import CZlib
import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// `samples/` at the package root, found from this file so tests run from any directory.
let samplesURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples")

/// The project schemas, compiled once for the whole test run.
let projectSchemas: SchemaSet = {
    do {
        return try SchemaSet.compile(directory: samplesURL.appendingPathComponent("schemas").path)
    } catch {
        fatalError("samples/schemas does not compile: \(error)")
    }
}()

let strictValidator = XMLValidator(schemas: projectSchemas, requireSchema: true)

func sampleBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: samplesURL.appendingPathComponent("outbox").appendingPathComponent(name)))
}

func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

func utf16(_ text: String, bigEndian: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    for unit in text.utf16 {
        let high = UInt8(unit >> 8), low = UInt8(unit & 0xFF)
        bytes += bigEndian ? [high, low] : [low, high]
    }
    return bytes
}

/// 1-based line and column of the first occurrence of `needle` in UTF-8 text.
func location(of needle: String, in text: String) -> (line: Int, column: Int)? {
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if let range = line.range(of: needle) {
            return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
        }
    }
    return nil
}

/// Seconds taken by `body`.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Gzip-compresses the concatenation of `chunks`, each repeated `times`, without ever holding
/// the uncompressed whole (so a 100 MB bomb costs the test only its compressed size).
func gzip(_ chunk: [UInt8], times: Int = 1) -> [UInt8] {
    var stream = z_stream()
    precondition(deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var input = chunk
    for round in 0..<times {
        let flush = round == times - 1 ? Z_FINISH : Z_NO_FLUSH
        input.withUnsafeMutableBufferPointer { inPtr in
            stream.next_in = inPtr.baseAddress
            stream.avail_in = UInt32(inPtr.count)
            repeat {
                let produced = buffer.withUnsafeMutableBufferPointer { outPtr -> Int in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = UInt32(outPtr.count)
                    _ = deflate(&stream, flush)
                    return outPtr.count - Int(stream.avail_out)
                }
                output.append(contentsOf: buffer[0..<produced])
            } while stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0)
        }
    }
    return output
}

/// Peak resident set size of this process in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}

/// A minimal MsgHead + Dialogmelding 1.1 that validates against the project schemas.
func msgHead(
    msgId: String = "test-msg-1", sender: String? = nil, receiver: String? = nil,
    infoExtra: String = "", payloadText: String = "Fiktivt notat", declaration: String = #"<?xml version="1.0" encoding="UTF-8"?>"#,
    trailer: String = ""
) -> String {
    let defaultSender = """
        <Sender><Organisation><OrganisationName>Fiktiv avsender</OrganisationName>
          <Ident><Id>8143060</Id><TypeId V="HER"/></Ident></Organisation></Sender>
    """
    let defaultReceiver = """
        <Receiver><Organisation><OrganisationName>Fiktiv mottaker</OrganisationName>
          <Ident><Id>8094866</Id><TypeId V="HER"/></Ident></Organisation></Receiver>
    """
    return """
    \(declaration)
    <MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">
      <MsgInfo>
        <Type V="DIALOG_HELSEFAGLIG" DN="Helsefaglig dialog"/>
        <MIGversion>v1.2 2006-05-24</MIGversion>
        <GenDate>2026-01-15T09:30:00</GenDate>
        <MsgId>\(msgId)</MsgId>
    \(infoExtra)\(sender ?? defaultSender)
    \(receiver ?? defaultReceiver)
      </MsgInfo>
      <Document>
        <RefDoc>
          <MsgType V="XML"/>
          <Content>
            <Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23">
              <Notat><Tema>Test</Tema><TekstNotatInnhold>\(payloadText)</TekstNotatInnhold></Notat>
            </Dialogmelding>
          </Content>
        </RefDoc>
      </Document>\(trailer)
    </MsgHead>

    """
}
