import Foundation

/// Counts the files in a folder and the age of the oldest (names starting with `.` are
/// dropbridge's or a producer's temp files, not work). Reads only directory entries and their
/// metadata, never a file's content.
enum FolderSurvey {
    static func survey(_ path: String, now: Double) -> StatusReport.FolderStatus {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? error.localizedDescription
            return StatusReport.FolderStatus(files: 0, oldestAgeSeconds: nil, error: "cannot list \(path): \(reason)")
        }
        var oldest: Double?
        var count = 0
        for name in names where !name.hasPrefix(".") {
            count += 1
            var info = stat()
            if lstat(path + "/" + name, &info) == 0 {
                let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                let age = max(0, now - modified)
                oldest = max(oldest ?? age, age)
            }
        }
        return StatusReport.FolderStatus(files: count, oldestAgeSeconds: oldest.map { ($0 * 10).rounded() / 10 }, error: nil)
    }
}
