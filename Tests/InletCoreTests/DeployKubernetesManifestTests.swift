import Foundation
import Testing
@testable import InletCore

/// `deploy/kubernetes/`: every manifest parses, every stage has its Deployment, PodDisruptionBudget and autoscaler,
/// every container runs a subcommand that exists, secrets come from Secrets, and the kustomization lists every file.
@Suite struct DeployKubernetesManifestTests {
    static let directory = "deploy/kubernetes"
    /// YAML files that are documentation, not resources: the kustomization must not apply them.
    static let notApplied: Set<String> = [
        "deploy/kubernetes/secret.example.yaml",  // secrets are created from a secret store, not the repository
        "deploy/kubernetes/prometheus-adapter-values.yaml",  // Helm values for the adapter, installed separately
    ]

    /// Every resource the kustomization (with its optional components) applies, with the file it came from.
    static func resources() throws -> [(file: String, object: [String: Any])] {
        var result: [(String, [String: Any])] = []
        for file in DeployRepository.files(under: directory, suffixes: [".yaml"])
        where !notApplied.contains(file) && !file.hasSuffix("kustomization.yaml") {
            for object in try DeployYAMLFile(file).documents { result.append((file, object)) }
        }
        return result
    }

    static func objects(kind: String) throws -> [[String: Any]] {
        try resources().map(\.object).filter { $0["kind"] as? String == kind }
    }

    static func named(_ name: String, kind: String) throws -> [String: Any] {
        guard let object = try objects(kind: kind).first(where: { DeployYAML.string(at: "metadata.name", in: $0) == name }) else {
            throw DeployTestFailure("no \(kind) named \(name) under \(directory)")
        }
        return object
    }

    /// The environment a container gets from `env` (literal values) and `envFrom` ConfigMaps of this directory.
    static func environment(of container: Any) throws -> [String: String] {
        var values: [String: String] = [:]
        for source in DeployYAML.list(at: "envFrom", in: container) {
            guard let name = DeployYAML.string(at: "configMapRef.name", in: source) else { continue }
            values.merge(DeployYAML.stringMapping(at: "data", in: try named(name, kind: "ConfigMap"))) { _, new in new }
        }
        for entry in DeployYAML.list(at: "env", in: container) {
            guard let name = DeployYAML.string(at: "name", in: entry) else { continue }
            values[name] = DeployYAML.string(at: "value", in: entry) ?? "<from \(name)'s valueFrom>"
        }
        return values
    }

    static func onlyContainer(of deployment: [String: Any]) throws -> Any {
        let containers = DeployYAML.list(at: "spec.template.spec.containers", in: deployment)
        guard containers.count == 1, let container = containers.first else {
            throw DeployTestFailure("\(DeployYAML.string(at: "metadata.name", in: deployment) ?? "?") should have exactly one container")
        }
        return container
    }

    static func labelsMatch(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }

    @Test func everyManifestParsesAndNamesItsKind() throws {
        let files = DeployRepository.files(under: Self.directory, suffixes: [".yaml"])
        #expect(files.count >= 10, "expected the manifests under \(Self.directory), found \(files)")
        for file in files {
            let documents = try DeployYAMLFile(file).documents
            #expect(!documents.isEmpty, "\(file) holds no document")
            if file.hasSuffix("prometheus-adapter-values.yaml") {
                let rules = DeployYAML.list(at: "rules.external", in: documents.first)
                #expect(rules.map { DeployYAML.string(at: "name.as", in: $0) } == ["inlet_consumer_group_lag", "inlet_deliverer_lag"],
                        "\(file): the per-group rule and the deliverer's rule over its per-subscription groups")
                continue
            }
            for document in documents {
                let kind = DeployYAML.string(at: "kind", in: document)
                #expect(DeployYAML.string(at: "apiVersion", in: document) != nil, "\(file): a document lacks apiVersion")
                #expect(kind != nil, "\(file): a document lacks kind")
                if kind != "Kustomization", kind != "Component" {
                    #expect(DeployYAML.string(at: "metadata.name", in: document) != nil, "\(file): a \(kind ?? "?") lacks metadata.name")
                }
            }
        }
    }

    @Test func kustomizationListsEveryFileThatIsApplied() throws {
        let kustomizations = DeployRepository.files(under: Self.directory, suffixes: ["kustomization.yaml"])
        #expect(kustomizations.contains("deploy/kubernetes/kustomization.yaml"))
        var listed = Set<String>()
        for kustomization in kustomizations {
            let document = try #require(try DeployYAMLFile(kustomization).documents.first)
            let base = (kustomization as NSString).deletingLastPathComponent
            if base != Self.directory {
                #expect(DeployYAML.string(at: "kind", in: document) == "Component",
                        "\(kustomization): a kustomization below \(Self.directory) must be an optional Component")
            }
            for case let resource as String in DeployYAML.list(at: "resources", in: document) {
                let path = (base as NSString).appendingPathComponent(resource)
                #expect(FileManager.default.fileExists(atPath: DeployRepository.url(path).path), "\(kustomization) lists missing \(resource)")
                #expect(listed.insert(path).inserted, "\(path) is listed twice")
            }
        }
        let applicable = Set(DeployRepository.files(under: Self.directory, suffixes: [".yaml"]))
            .subtracting(kustomizations).subtracting(Self.notApplied)
        #expect(listed == applicable,
                "unlisted: \(applicable.subtracting(listed).sorted()); listed but not a manifest: \(listed.subtracting(applicable).sorted())")
    }

    @Test func everyStageHasADeploymentRunningItsCommandWithProbesAndResources() throws {
        for stage in Stage.allCases {
            let deployment = try Self.named("inlet-\(stage.rawValue)", kind: "Deployment")
            let container = try Self.onlyContainer(of: deployment)
            #expect(DeployYAML.list(at: "command", in: container) as? [String] == ["inlet"])
            #expect(DeployYAML.list(at: "args", in: container) as? [String] == [stage.rawValue])
            #expect(DeployYAML.string(at: "image", in: container)?.hasPrefix("ghcr.io/inlet/inlet") == true)
            // The autoscaler owns the count; a `replicas` here would reset it on every apply.
            #expect(DeployYAML.value(at: "spec.replicas", in: deployment) == nil, "inlet-\(stage.rawValue) sets spec.replicas")
            for resource in ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] {
                #expect(DeployYAML.string(at: "resources.\(resource)", in: container) != nil, "inlet-\(stage.rawValue) lacks \(resource)")
            }
            #expect(DeployYAML.value(at: "securityContext.readOnlyRootFilesystem", in: container) as? Bool == true)
            #expect(DeployYAML.value(at: "spec.template.spec.securityContext.runAsNonRoot", in: deployment) as? Bool == true)

            let environment = try Self.environment(of: container)
            let portVariable = stage == .receiver ? "INLET_RECEIVER_PORT" : "INLET_ADMIN_PORT"
            let portName = stage == .receiver ? "http" : "admin"
            let port = try #require(DeployYAML.list(at: "ports", in: container).first { DeployYAML.string(at: "name", in: $0) == portName },
                                    "inlet-\(stage.rawValue) has no port named \(portName)")
            #expect(DeployYAML.string(at: "containerPort", in: port) == environment[portVariable],
                    "inlet-\(stage.rawValue): containerPort differs from \(portVariable)")
            #expect(DeployYAML.string(at: "readinessProbe.httpGet.path", in: container) == "/readyz")
            #expect(DeployYAML.string(at: "readinessProbe.httpGet.port", in: container) == portName)
            #expect(DeployYAML.string(at: "livenessProbe.httpGet.path", in: container) == "/healthz")
            #expect(DeployYAML.string(at: "livenessProbe.httpGet.port", in: container) == portName)
            if stage == .receiver {
                #expect(environment["INLET_RECEIVER_HOST"] == "0.0.0.0", "the receiver must listen beyond the pod's loopback")
            }
        }
    }

    @Test func everyStageHasADisruptionBudgetAndAnAutoscalerForItsDeployment() throws {
        let budgets = try Self.objects(kind: "PodDisruptionBudget")
        let autoscalers = try Self.objects(kind: "HorizontalPodAutoscaler")
        let partitions = TopicCatalog.Settings().partitions
        for stage in Stage.allCases {
            let name = "inlet-\(stage.rawValue)"
            let labels = DeployYAML.stringMapping(at: "spec.template.metadata.labels", in: try Self.named(name, kind: "Deployment"))
            let stageBudgets = budgets.filter { Self.labelsMatch(DeployYAML.stringMapping(at: "spec.selector.matchLabels", in: $0), labels) }
            #expect(stageBudgets.count == 1, "\(name): \(stageBudgets.count) PodDisruptionBudgets select its pods")

            let stageAutoscalers = autoscalers.filter {
                DeployYAML.string(at: "spec.scaleTargetRef.kind", in: $0) == "Deployment"
                    && DeployYAML.string(at: "spec.scaleTargetRef.name", in: $0) == name
            }
            try #require(stageAutoscalers.count == 1, "\(name): \(stageAutoscalers.count) autoscalers target it")
            let autoscaler = stageAutoscalers[0]
            let metric = DeployYAML.list(at: "spec.metrics", in: autoscaler).first
            let minimum = try #require(DeployYAML.int(at: "spec.minReplicas", in: autoscaler))
            let maximum = try #require(DeployYAML.int(at: "spec.maxReplicas", in: autoscaler))
            #expect(minimum >= 2 && minimum <= maximum, "\(name): replicas \(minimum)…\(maximum)")
            if stage == .receiver {
                #expect(DeployYAML.string(at: "type", in: metric) == "Resource")
                #expect(DeployYAML.string(at: "resource.name", in: metric) == "cpu")
            } else {
                #expect(DeployYAML.string(at: "type", in: metric) == "External")
                if stage == .deliverer {
                    // One group per subscription: the autoscaler follows their summed lag.
                    #expect(DeployYAML.string(at: "external.metric.name", in: metric) == "inlet_deliverer_lag")
                } else {
                    #expect(DeployYAML.string(at: "external.metric.name", in: metric) == "inlet_consumer_group_lag")
                    #expect(DeployYAML.string(at: "external.metric.selector.matchLabels.consumergroup", in: metric) == stage.consumerGroup)
                }
                // An instance beyond the partition count of its input topics gets no partition.
                #expect(maximum <= partitions, "\(name): maxReplicas \(maximum) exceeds the \(partitions) partitions per topic")
            }
        }
    }

    @Test func everyContainerRunsAnExistingSubcommand() throws {
        let commands = try DeployCLICommands.scan()
        #expect(commands["topics"]?.contains("create") == true, "the CLI scan found no `inlet topics create`: \(commands)")
        var checked = 0
        for kind in ["Deployment", "Job"] {
            for object in try Self.objects(kind: kind) {
                for container in DeployYAML.list(at: "spec.template.spec.containers", in: object) {
                    let command = DeployYAML.list(at: "command", in: container) as? [String] ?? []
                    let arguments = DeployYAML.list(at: "args", in: container) as? [String] ?? []
                    #expect(command == ["inlet"], "\(kind) \(DeployYAML.string(at: "metadata.name", in: object) ?? "?") runs \(command)")
                    #expect(DeployCLICommands.exists(arguments, in: commands),
                            "\(kind) \(DeployYAML.string(at: "metadata.name", in: object) ?? "?") runs `inlet \(arguments.joined(separator: " "))`, which the CLI does not declare")
                    checked += 1
                }
            }
        }
        #expect(checked == Stage.allCases.count + 2, "five stages and the setup Job's two containers")
        let job = try Self.named("inlet-setup", kind: "Job")
        let jobArguments = DeployYAML.list(at: "spec.template.spec.containers", in: job)
            .map { DeployYAML.list(at: "args", in: $0) as? [String] ?? [] }
        #expect(jobArguments == [["topics", "create"], ["migrate"]])
    }

    @Test func secretsComeFromSecretReferencesToDocumentedSecrets() throws {
        // secret.example.yaml documents every Secret and key the manifests reference.
        var documentedKeys: [String: Set<String>] = [:]
        for secret in try DeployYAMLFile("deploy/kubernetes/secret.example.yaml").documents {
            let name = try #require(DeployYAML.string(at: "metadata.name", in: secret))
            documentedKeys[name] = Set(DeployYAML.mapping(at: "stringData", in: secret).keys)
        }
        var referenced = Set<String>()
        for object in try Self.objects(kind: "Deployment") + Self.objects(kind: "Job") {
            let name = DeployYAML.string(at: "metadata.name", in: object) ?? "?"
            let pod = DeployYAML.value(at: "spec.template.spec", in: object)
            var secretMounts: [String: String] = [:]  // mount path → Secret
            let volumes = DeployYAML.list(at: "volumes", in: pod)
            for container in DeployYAML.list(at: "containers", in: pod) {
                for entry in DeployYAML.list(at: "env", in: container) {
                    let variable = DeployYAML.string(at: "name", in: entry) ?? "?"
                    if variable == "INLET_POSTGRES_URL" {
                        #expect(DeployYAML.value(at: "value", in: entry) == nil, "\(name): INLET_POSTGRES_URL is a literal; use secretKeyRef")
                    }
                    if let secret = DeployYAML.string(at: "valueFrom.secretKeyRef.name", in: entry) {
                        let key = DeployYAML.string(at: "valueFrom.secretKeyRef.key", in: entry) ?? ""
                        #expect(documentedKeys[secret]?.contains(key) == true, "\(name): \(variable) reads \(secret)/\(key), not in secret.example.yaml")
                        referenced.insert(secret)
                    }
                }
                for mount in DeployYAML.list(at: "volumeMounts", in: container) {
                    let volume = volumes.first { DeployYAML.string(at: "name", in: $0) == DeployYAML.string(at: "name", in: mount) }
                    if let secret = DeployYAML.string(at: "secret.secretName", in: volume) {
                        secretMounts[DeployYAML.string(at: "mountPath", in: mount) ?? ""] = secret
                    }
                }
                // The files holding webhook and subscriber secrets are read from a mounted Secret, never the image.
                let environment = try Self.environment(of: container)
                for variable in ["INLET_INTEGRATIONS_FILE", "INLET_SUBSCRIPTIONS_FILE"] {
                    guard let path = environment[variable] else { continue }
                    let directory = (path as NSString).deletingLastPathComponent
                    let secret = try #require(secretMounts[directory], "\(name): \(variable)=\(path) is not in a mounted Secret")
                    #expect(documentedKeys[secret]?.contains((path as NSString).lastPathComponent) == true,
                            "\(name): \(path) is not a key of Secret \(secret) in secret.example.yaml")
                    referenced.insert(secret)
                }
            }
        }
        #expect(referenced == Set(documentedKeys.keys), "Secrets documented but unused, or used but undocumented: \(referenced) vs \(documentedKeys.keys.sorted())")
    }

    @Test func mapperMountsOneConfigMapPerDefinitionHoldingTheMappingFilesExactly() throws {
        let configMaps = try DeployYAMLFile("deploy/kubernetes/mappings.yaml").documents
        let mapper = try Self.named("inlet-mapper", kind: "Deployment")
        let container = try Self.onlyContainer(of: mapper)
        let mappingsDirectory = try #require(try Self.environment(of: container)["INLET_MAPPINGS_DIR"])
        let volumes = DeployYAML.list(at: "spec.template.spec.volumes", in: mapper)
        let mounts = DeployYAML.list(at: "volumeMounts", in: container)

        let definitions = Set(DeployRepository.files(under: "mappings", suffixes: [".yaml"]).map { $0.split(separator: "/")[1] })
        #expect(!definitions.isEmpty)
        #expect(configMaps.count == definitions.count, "mappings.yaml is stale: run deploy/kubernetes/generate.sh")
        for definition in definitions {
            let name = "inlet-mappings-\(definition.replacingOccurrences(of: "_", with: "-"))"
            let configMap = try #require(configMaps.first { DeployYAML.string(at: "metadata.name", in: $0) == name },
                                         "no ConfigMap \(name): run deploy/kubernetes/generate.sh")
            let files = DeployRepository.files(under: "mappings/\(definition)", suffixes: [".yaml"])
            var expected: [String: String] = [:]
            for file in files { expected[(file as NSString).lastPathComponent] = try DeployRepository.text(file) }
            #expect(DeployYAML.stringMapping(at: "data", in: configMap) == expected,
                    "\(name) differs from mappings/\(definition): run deploy/kubernetes/generate.sh")

            let volume = try #require(volumes.first { DeployYAML.string(at: "configMap.name", in: $0) == name },
                                      "the mapper has no volume for ConfigMap \(name)")
            let mount = mounts.first { DeployYAML.string(at: "name", in: $0) == DeployYAML.string(at: "name", in: volume) }
            #expect(DeployYAML.string(at: "mountPath", in: mount) == "\(mappingsDirectory)/\(definition)")
        }
    }

    @Test func receiverServiceAndIngressReachTheReceiverPort() throws {
        let deployment = try Self.named("inlet-receiver", kind: "Deployment")
        let labels = DeployYAML.stringMapping(at: "spec.template.metadata.labels", in: deployment)
        let service = try Self.named("inlet-receiver", kind: "Service")
        #expect(Self.labelsMatch(DeployYAML.stringMapping(at: "spec.selector", in: service), labels))
        let servicePort = try #require(DeployYAML.list(at: "spec.ports", in: service).first)
        #expect(DeployYAML.string(at: "targetPort", in: servicePort) == "http")

        let ingress = try Self.named("inlet-receiver", kind: "Ingress")
        let backend = DeployYAML.value(at: "spec.rules.0.http.paths.0.backend.service", in: ingress)
        #expect(DeployYAML.string(at: "name", in: backend) == "inlet-receiver")
        #expect(DeployYAML.string(at: "port.name", in: backend) == DeployYAML.string(at: "name", in: servicePort))
        #expect(DeployYAML.string(at: "spec.rules.0.http.paths.0.path", in: ingress) == "/webhooks/")
    }

    @Test func theDeliverersLagRuleCoversEverySubscriptionGroupAndNoStageGroup() throws {
        let values = try #require(try DeployYAMLFile("deploy/kubernetes/prometheus-adapter-values.yaml").documents.first)
        let rule = try #require(DeployYAML.list(at: "rules.external", in: values).first { DeployYAML.string(at: "name.as", in: $0) == "inlet_deliverer_lag" })
        let query = try #require(DeployYAML.string(at: "metricsQuery", in: rule))
        let series = try #require(DeployYAML.string(at: "seriesQuery", in: rule))
        // The PromQL regex, anchored as Prometheus anchors it, tried on the names the deliverer derives.
        let pattern = try #require(query.firstMatch(of: /consumergroup=~"([^"]+)"/)?.1)
        #expect(series.contains("consumergroup=~\"\(pattern)\""), "seriesQuery and metricsQuery select the same groups")
        let regex = try Regex("^(?:\(pattern))$")
        for id in ["crm-sync", "a", "A.b_c-9"] {
            #expect(Stage.deliverer.consumerGroup(subscription: id).wholeMatch(of: regex) != nil, "\(id)")
        }
        for stage in Stage.allCases {
            #expect(stage.consumerGroup.wholeMatch(of: regex) == nil, "\(stage.consumerGroup) must not count as deliverer lag")
        }
        #expect(query.hasPrefix("sum(") && query.contains("clamp_min("))
    }

    @Test func shutdownGraceOutlastsTheDeliverersOwnGrace() throws {
        let deliverer = try Self.named("inlet-deliverer", kind: "Deployment")
        let environment = try Self.environment(of: try Self.onlyContainer(of: deliverer))
        let defaultGrace = try #require(EnvironmentVariables.named("INLET_DELIVERER_SHUTDOWN_GRACE_MS")?.defaultValue)
        let graceMilliseconds = try #require(Int(environment["INLET_DELIVERER_SHUTDOWN_GRACE_MS"] ?? defaultGrace))
        let podGrace = try #require(DeployYAML.int(at: "spec.template.spec.terminationGracePeriodSeconds", in: deliverer))
        #expect(graceMilliseconds / 1000 < podGrace, "the pod is killed before the batch in flight may finish")
    }

    @Test func everyInletVariableInTheManifestsIsDocumented() throws {
        for file in DeployRepository.files(under: Self.directory, suffixes: [".yaml"]) {
            for name in DeployRepository.inletVariableNames(in: try DeployRepository.text(file)) {
                #expect(EnvironmentVariables.named(name) != nil, "\(file) sets \(name), which Inlet does not read")
            }
        }
    }
}
