/// The version `--version` prints and `dropbridge_build_info{version}` reports.
package enum DropbridgeVersion {
    package static let current = "1.0.0"
}
