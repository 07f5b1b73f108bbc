struct Bench { var drops: Int; func run() async throws { print("{}") } }
