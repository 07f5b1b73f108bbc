/// The version `--version` prints and `dropbridge_build_info{version}` reports.
public enum DropbridgeVersion {
    public static let current = "1.0.0"
}
