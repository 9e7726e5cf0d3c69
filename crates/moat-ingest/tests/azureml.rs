//! Azure ML CLI v2 YAML, as `az ml ... --file` takes it: the corpus specs and loose spellings.

use moat_ingest::{InputFormat, Options, load_opts};
use moat_model::enums::{FirewallProtocol, IsolationMode, OutboundRuleType, PublicNetworkAccess};
use moat_model::ml::OutboundDestination;
use std::path::PathBuf;

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/yaml-azureml-examples/"
    ))
    .join(rel)
}

fn load(path: &std::path::Path) -> moat_doc::Loaded {
    load_opts(path, &Options::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

#[test]
fn private_link_workspace_spec() {
    let l = load(&corpus("cli/resources/workspace/privatelink.yml"));
    assert_eq!(l.format, "azureml");
    let w = &l.topology.workspaces[0];
    assert_eq!(w.name, "mlw-privatelink-prod");
    assert_eq!(w.region.as_deref(), Some("eastus"));
    assert_eq!(w.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(w.image_build_compute.as_deref(), Some("cpu-compute"));
    assert_eq!(
        w.tags.get("purpose").map(String::as_str),
        Some("demonstration")
    );
}

#[test]
fn managed_network_specs_with_loose_spellings() {
    let l = load(&corpus(
        "cli/resources/workspace/mvnet-allow-only-approved-outbound.yml",
    ));
    let w = &l.topology.workspaces[0];
    assert_eq!(
        w.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let rules = &w.managed_network.outbound_rules;
    assert_eq!(rules.len(), 3);
    let tag = rules
        .iter()
        .find(|r| r.kind == OutboundRuleType::ServiceTag)
        .unwrap();
    let OutboundDestination::ServiceTag(d) = &tag.destination else {
        panic!("{tag:?}")
    };
    assert_eq!(d.service_tag, "DataFactory");
    assert_eq!(d.protocol.get(), Some(FirewallProtocol::Tcp));
    let ports: Vec<String> = d
        .port_ranges
        .known()
        .into_iter()
        .flatten()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        ports,
        ["80", "8080"],
        "the port list \"80, 8080\" is one string in the spec"
    );
    let pe = rules
        .iter()
        .find(|r| r.kind == OutboundRuleType::PrivateEndpoint)
        .unwrap();
    let OutboundDestination::PrivateEndpoint(d) = &pe.destination else {
        panic!()
    };
    assert!(d.spark_enabled);
    assert_eq!(d.subresource_target, "blob");
    assert!(
        matches!(&rules.iter().find(|r| r.kind == OutboundRuleType::Fqdn).unwrap().destination, OutboundDestination::Fqdn(f) if f == "test2.com")
    );
    // The storage account the rule names is not in the file: a warning, not an error.
    assert!(
        l.warnings.iter().any(|w| w.message.contains("MyAccount2")),
        "{:#?}",
        l.warnings
    );

    let l = load(&corpus(
        "cli/resources/workspace/mvnet-allow-internet-outbound.yml",
    ));
    assert_eq!(
        l.topology.workspaces[0].managed_network.isolation_mode,
        IsolationMode::AllowInternetOutbound
    );
    assert_eq!(
        l.topology.workspaces[0]
            .managed_network
            .outbound_rules
            .len(),
        2
    );
}

#[test]
fn registry_spec_with_replication() {
    let l = load(&corpus("cli/resources/registry/registry.yml"));
    let r = &l.topology.registries[0];
    assert_eq!(r.name, "DemoRegistry");
    assert_eq!(r.regions, ["eastus", "eastus2", "westus", "westus2"]);
    assert_eq!(r.public_network_access, PublicNetworkAccess::Enabled);
}

#[test]
fn loose_values_and_endpoint_specs() {
    let dir = std::env::temp_dir().join(format!("moat-azureml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("workspace.yml"),
        "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: ws\nlocation: westeurope\nhbi_workspace: 'true'\npublic_network_access: disabled\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("deployment.yml"),
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: blue\nendpoint_name: score\nmodel: azureml://registries/contosoreg/models/m/versions/1\negress_public_network_access: disabled\n",
    )
    .unwrap();
    let l = load_opts(
        &dir,
        &Options {
            format: Some(InputFormat::AzureMl),
            ..Options::default()
        },
    )
    .unwrap();
    let t = &l.topology;
    assert!(t.workspaces[0].hbi_workspace, "'true' as a string");
    assert_eq!(
        t.workspaces[0].public_network_access,
        PublicNetworkAccess::Disabled,
        "lower-case value"
    );
    let e = &t.online_endpoints[0];
    assert_eq!(
        e.workspace, "ws",
        "an endpoint spec belongs to the one workspace given"
    );
    assert_eq!(e.deployments[0].registry_sources(), ["contosoreg"]);
    assert_eq!(
        e.deployments[0].egress_public_network_access,
        PublicNetworkAccess::Disabled
    );
    std::fs::write(
        dir.join("workspace.yml"),
        "name: ws\nmanaged_network:\n  isolation_mode: allow_everything\n",
    )
    .unwrap();
    let err = load_opts(
        &dir,
        &Options {
            format: Some(InputFormat::AzureMl),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.diagnostics[0].location.line, 3);
    assert_eq!(err.diagnostics[0].code, "invalid-value");
    std::fs::remove_dir_all(&dir).ok();
}

/// A managed network spec as an update file: no `name` (the workspace is named on the command
/// line; the REST update names it in the request path, "PATCH .../workspaces/{workspaceName}",
/// whose body carries `properties.managedNetwork`), and `spark_enabled` quoted. The private
/// endpoint destination's "sparkEnabled" is a boolean (PrivateEndpointDestination reference;
/// facts: YAML `destination.spark_enabled`), so `'True'` and `'false'` are read as booleans.
#[test]
fn unnamed_managed_network_spec_with_quoted_spark_flags() {
    let dir = std::env::temp_dir().join(format!("moat-azureml-unnamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = "\
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
    - name: lake
      type: private_endpoint
      destination:
        service_resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lake
        subresource_target: dfs
        spark_enabled: 'True'
    - name: secrets
      type: private_endpoint
      destination:
        service_resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/secrets
        subresource_target: vault
        spark_enabled: 'false'
    - name: pypi
      type: fqdn
      destination: pypi.org
";
    let file = dir.join("network.yml");
    std::fs::write(&file, spec).unwrap();
    let l = load(&file);
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1);
    let w = &t.workspaces[0];
    // The name is not in the file: the workspace stands under a placeholder recorded as unknown.
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.field == "name" && u.resource == format!("workspace/{}", w.name)),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        w.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let spark = |rule: &str| {
        let r = w
            .managed_network
            .outbound_rules
            .iter()
            .find(|r| r.name == rule)
            .unwrap();
        match &r.destination {
            OutboundDestination::PrivateEndpoint(d) => {
                (d.subresource_target.clone(), d.spark_enabled)
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(spark("lake"), ("dfs".to_string(), true));
    assert_eq!(spark("secrets"), ("vault".to_string(), false));
    let fqdn = w
        .managed_network
        .outbound_rules
        .iter()
        .find(|r| r.name == "pypi")
        .unwrap();
    assert!(matches!(&fqdn.destination, OutboundDestination::Fqdn(f) if f == "pypi.org"));

    // A value that is no boolean is an error, located at the field rather than at the rule.
    std::fs::write(&file, spec.replace("'false'", "'sometimes'")).unwrap();
    let err = load_opts(&file, &Options::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1, "{:#?}", err.diagnostics);
    assert_eq!(err.diagnostics[0].location.line, 15);
    std::fs::remove_dir_all(&dir).ok();
}

/// The feature store sample's managed network files (`az ml feature-store update --file`,
/// `az ml workspace update --file`) read without error: quoted `spark_enabled`, no `name`.
#[test]
fn feature_store_network_specs_read() {
    for rel in [
        "sdk/python/featurestore_sample/automation-test/feature_store_managed_vnet_config.yaml",
        "sdk/python/featurestore_sample/automation-test/project_ws_managed_vnet_config.yaml",
        "sdk/python/featurestore_sample/notebooks/sdk_and_cli/network_isolation/network.yml",
    ] {
        let l = load(&corpus(rel));
        assert_eq!(l.format, "azureml", "{rel}");
        let w = &l.topology.workspaces[0];
        assert_eq!(
            w.managed_network.isolation_mode,
            IsolationMode::AllowInternetOutbound,
            "{rel}"
        );
        for r in &w.managed_network.outbound_rules {
            let OutboundDestination::PrivateEndpoint(d) = &r.destination else {
                panic!("{rel}: {r:?}")
            };
            assert!(
                d.spark_enabled,
                "{rel}: {} has spark_enabled: 'true'",
                r.name
            );
            // `.../storageAccounts/<STORAGE_ACCOUNT_NAME>` names no account yet: the target is
            // open, not an undeclared account of that name.
            assert!(d.service_resource.contains("/<"), "{rel}: {d:?}");
            assert!(
                l.topology.unknowns.iter().any(|u| u.field
                    == format!("managed_network/outbound_rules/{}", r.name)
                    && u.reason.contains("placeholder")),
                "{rel}: {:#?}",
                l.topology.unknowns
            );
        }
        assert!(
            !l.warnings
                .iter()
                .any(|w| w.message.contains("not declared")),
            "{rel}: {:#?}",
            l.warnings
        );
    }
}

/// A fresh folder for one test's spec files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-azureml-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Managed network how-to: private endpoint outbound rules "define private endpoints that allow
/// an Azure resource to securely communicate with the managed virtual network", the resource
/// named by `destination.service_resource_id` and its sub-resource by
/// `destination.subresource_target` (facts, "PE rule destination"). A rule that leaves either
/// out does not determine what it reaches: it is not a rule to an empty name, and the
/// workspace's rule list is open at that rule, located at the rule.
#[test]
fn private_endpoint_rule_without_its_target_is_open() {
    let dir = scratch("open-rule");
    let file = dir.join("workspace.yml");
    let spec = "\
name: ws
location: eastus
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: lake
    type: private_endpoint
    destination:
      subresource_target: blob
      spark_enabled: true
  - name: vault
    type: private_endpoint
    destination:
      service_resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/secrets
  - name: adf
    type: service_tag
    destination:
      protocol: TCP
      port_ranges: '443'
  - name: pypi
    type: fqdn
    destination: pypi.org
";
    std::fs::write(&file, spec).unwrap();
    let l = load(&file);
    let t = &l.topology;
    let w = &t.workspaces[0];
    let names: Vec<&str> = w
        .managed_network
        .outbound_rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["pypi"], "only the rule the file determines is read");
    for (rule, line, what) in [
        ("lake", 6, "service_resource_id"),
        ("vault", 11, "subresource_target"),
        ("adf", 15, "service_tag"),
    ] {
        let u = t
            .unknowns
            .iter()
            .find(|u| {
                u.resource == "workspace/ws"
                    && u.field == format!("managed_network.outbound_rules.{rule}")
            })
            .unwrap_or_else(|| panic!("{rule}: {:#?}", t.unknowns));
        assert_eq!(u.at.line, line, "{rule}");
        assert!(u.reason.contains(what), "{rule}: {}", u.reason);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// An FQDN rule's destination is a host name ("destination: 'pypi.org'", managed network
/// how-to; facts, "FQDN rule destination"). A map there is bad input: exit 2 at the rule, with
/// a hint, never a rule read as another type.
#[test]
fn fqdn_rule_with_a_map_destination_is_located() {
    let dir = scratch("fqdn-map");
    let file = dir.join("workspace.yml");
    std::fs::write(
        &file,
        "name: ws\nlocation: eastus\nmanaged_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n  - name: pypi\n    type: fqdn\n    destination:\n      service_tag: Storage\n",
    )
    .unwrap();
    let err = load_opts(&file, &Options::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1, "{:#?}", err.diagnostics);
    let d = &err.diagnostics[0];
    assert_eq!((d.location.line, d.location.column), (6, 5));
    assert!(d.message.contains("pypi"), "{}", d.message);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("host name")));
    std::fs::remove_dir_all(&dir).ok();
}

/// The fields recorded as unknown on `resource`.
fn open_fields(t: &moat_model::Topology, resource: &str) -> Vec<String> {
    let mut v: Vec<String> = t
        .unknowns
        .iter()
        .filter(|u| u.resource == resource)
        .map(|u| u.field.clone())
        .collect();
    v.sort();
    v
}

/// Managed network how-to, "Update an existing workspace": `az ml workspace update --file
/// workspace.yaml --name ws` with a spec of `name` and `managed_network` alone; "Create a new
/// workspace": the spec adds `location: EastUS`. An update (REST "Workspaces - Update", a
/// PATCH with no location, hbiWorkspace, storageAccount or keyVault in its body) keeps what the
/// spec does not set, so for a spec naming none of those, each such setting is unknown rather
/// than the create default; the rules it names are added to rules it does not know. Workspace
/// YAML reference, `location`: "If omitted, defaults to the resource group location."
#[test]
fn a_spec_that_may_be_an_update_determines_only_what_it_sets() {
    let l = load(&corpus(
        "cli/resources/workspace/mvnet-allow-internet-outbound.yml",
    ));
    let t = &l.topology;
    assert_eq!(
        open_fields(t, "workspace/myworkspace_aio"),
        [
            "container_registry",
            "hbi_workspace",
            "identity",
            "image_build_compute",
            "managed_network.outbound_rules",
            "network_acls",
            "private_endpoints",
            "public_network_access",
            "region",
            "serverless_compute",
            "v1_legacy_mode",
        ]
    );
    // What it sets stays definite.
    let w = &t.workspaces[0];
    assert_eq!(
        w.managed_network.isolation_mode,
        IsolationMode::AllowInternetOutbound
    );
    assert_eq!(w.managed_network.outbound_rules.len(), 2);

    // The feature store sample's spec sets public network access: that one is read.
    let l = load(&corpus(
        "sdk/python/featurestore_sample/automation-test/feature_store_managed_vnet_config.yaml",
    ));
    let w = &l.topology.workspaces[0];
    assert_eq!(w.public_network_access, PublicNetworkAccess::Disabled);
    assert!(
        !open_fields(&l.topology, &format!("workspace/{}", w.name))
            .contains(&"public_network_access".to_string())
    );

    // A create spec: only what Azure leaves to the command line is open, and the private
    // endpoints no spec declares (Configure a private endpoint: "After creating the workspace,
    // use the Azure networking CLI commands to create a private link endpoint").
    let l = load(&corpus("cli/resources/workspace/basic.yml"));
    assert_eq!(
        open_fields(&l.topology, "workspace/mlw-basic-prod"),
        ["private_endpoints"]
    );
    assert_eq!(
        l.topology.workspaces[0].public_network_access,
        PublicNetworkAccess::Enabled
    );
}

/// The registry sample written with placeholders (`location: <LOCATION>`) names no region yet:
/// the region is unknown, never a region called `<LOCATION>`. Registry YAML reference:
/// `location` "Required. The primary location of the registry."
#[test]
fn placeholder_locations_are_unknown() {
    let l = load(&corpus("cli/resources/registry/registry-demo.yml"));
    let r = &l.topology.registries[0];
    assert_eq!(r.region, None);
    assert!(r.regions.is_empty(), "{:?}", r.regions);
    assert_eq!(
        open_fields(&l.topology, &format!("registry/{}", r.name)),
        ["private_endpoints", "region", "regions"]
    );
}

/// Registry YAML reference: a spec's keys are name, tags, location, replication_locations and
/// public_network_access, none of them a private endpoint; Network isolation with registries
/// creates the endpoint apart ("Use the tabs to view instructions to either add a private
/// endpoint to an existing registry or create a new registry that has a private endpoint").
/// Which private endpoints the registry has is open, as a workspace spec's are.
#[test]
fn a_registry_spec_leaves_its_private_endpoints_open() {
    let l = load(&corpus("cli/resources/registry/registry.yml"));
    let u = l
        .topology
        .is_unknown("registry/DemoRegistry", "private_endpoints")
        .expect("private endpoints open");
    assert_eq!(u.field, "private_endpoints");
    assert!(
        u.reason.contains("az network private-endpoint create"),
        "{}",
        u.reason
    );
}

/// Settings a create spec carries besides the basics are read, not dropped. Facts, "Serverless
/// compute VNet": "YAML `serverless_compute.custom_subnet` (full subnet ARM ID),
/// `serverless_compute.no_public_ip` (bool)". The SDK's NetworkAcls: "Enabled from selected IP
/// addresses — default_action should be set to 'Deny', allowing only specified IPs/ranges",
/// each rule an `IPRule(value=...)`; a single address is its host prefix.
#[test]
fn serverless_subnet_and_ip_allow_list_are_read() {
    let dir = scratch("settings");
    let file = dir.join("workspace.yml");
    let spec = "\
name: ws
location: eastus
public_network_access: Enabled
network_acls:
  default_action: Deny
  ip_rules:
  - value: 203.0.113.7
  - value: 198.51.100.0/24
serverless_compute:
  custom_subnet: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/training
  no_public_ip: true
";
    std::fs::write(&file, spec).unwrap();
    let l = load(&file);
    let w = &l.topology.workspaces[0];
    let acls = w.network_acls.as_ref().expect("the allow list is read");
    assert_eq!(acls.default_action, moat_model::enums::DefaultAction::Deny);
    let rules: Vec<String> = acls.ip_rules.iter().map(|n| n.to_string()).collect();
    assert_eq!(rules, ["203.0.113.7/32", "198.51.100.0/24"]);
    let sc = w
        .serverless_compute
        .as_ref()
        .expect("serverless settings are read");
    assert_eq!(sc.subnet.as_deref(), Some("vnet/training"));
    assert!(sc.no_public_ip);

    // A rule that is no address is bad input, at the rule.
    std::fs::write(&file, spec.replace("198.51.100.0/24", "not-an-ip")).unwrap();
    let err = load_opts(&file, &Options::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1, "{:#?}", err.diagnostics);
    assert_eq!(err.diagnostics[0].location.line, 8);
    std::fs::remove_dir_all(&dir).ok();
}

/// Managed online deployment YAML reference: `endpoint_name`, "Name of the endpoint to create
/// the deployment under"; the endpoint has its own spec (`az ml online-endpoint create
/// --file`), where `public_network_access` and `auth_mode` are set. Read together in either
/// order (`blue-deployment.yml` sorts before `endpoint.yml`), they are one endpoint, not a
/// duplicate; a deployment spec alone leaves those two settings unknown.
#[test]
fn deployment_and_endpoint_specs_are_one_endpoint() {
    let dir = scratch("endpoint");
    std::fs::write(
        dir.join("endpoint.yml"),
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: score\nauth_mode: aml_token\npublic_network_access: disabled\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("blue-deployment.yml"),
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: blue\nendpoint_name: score\nmodel: azureml:m:1\ninstance_type: Standard_DS3_v2\n",
    )
    .unwrap();
    let opts = Options {
        format: Some(InputFormat::AzureMl),
        ..Options::default()
    };
    let l = load_opts(&dir, &opts).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    assert_eq!(t.online_endpoints.len(), 1, "{:#?}", t.online_endpoints);
    let e = &t.online_endpoints[0];
    assert_eq!(e.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(e.auth_mode, moat_model::enums::EndpointAuthMode::AmlToken);
    assert_eq!(e.deployments.len(), 1);
    // The workspace is given on the command line (`--workspace-name`).
    assert_eq!(open_fields(t, "online-endpoint/score"), ["workspace"]);

    std::fs::remove_file(dir.join("endpoint.yml")).unwrap();
    let l = load_opts(&dir, &opts).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert_eq!(
        open_fields(&l.topology, "online-endpoint/score"),
        ["auth_mode", "public_network_access", "workspace"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Each CLI YAML reference names its spec's schema: "The source JSON schema can be found at
/// https://azuremlschemas.azureedge.net/latest/workspace.schema.json" (workspace),
/// `.../amlCompute.schema.json` (compute cluster), `.../commandJob.schema.json` (command job),
/// `.../batchDeployment.schema.json` (batch deployment), `.../kubernetesOnlineEndpoint.schema.json`
/// (an online endpoint on an attached Kubernetes cluster, where moat models managed online
/// endpoints). A spec of a kind moat does not read
/// is listed as such, never read as an online endpoint or deployment, and is no error.
#[test]
fn specs_of_other_kinds_are_listed_not_misread() {
    let dir = scratch("kinds");
    let schema = "$schema: https://azuremlschemas.azureedge.net/latest/";
    for (file, text) in [
        (
            "workspace.yml",
            "workspace.schema.json\nname: ws\nlocation: eastus\n",
        ),
        (
            "cluster.yml",
            "amlCompute.schema.json\nname: cpu-cluster\ntype: amlcompute\nsize: STANDARD_DS3_v2\n",
        ),
        (
            "job.yml",
            "commandJob.schema.json\ncommand: python train.py\ncompute: azureml:cpu-cluster\n",
        ),
        (
            "batch.yml",
            "batchDeployment.schema.json\nname: nightly\nendpoint_name: batch\nmodel: azureml:m:1\n",
        ),
        (
            "store.yml",
            "featureStore.schema.json\nname: fs\nlocation: eastus\npublic_network_access: disabled\n",
        ),
        (
            "k8s.yml",
            "kubernetesOnlineEndpoint.schema.json\nname: k8s-score\ncompute: azureml:k8s\nauth_mode: key\n",
        ),
    ] {
        std::fs::write(dir.join(file), format!("{schema}{text}")).unwrap();
    }
    let l = load(&dir);
    let t = &l.topology;
    assert!(t.online_endpoints.is_empty(), "{:#?}", t.online_endpoints);
    let mut names: Vec<&str> = t.workspaces.iter().map(|w| w.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["fs", "ws"]);
    let fs = t.workspaces.iter().find(|w| w.name == "fs").unwrap();
    assert_eq!(
        fs.kind,
        Some(moat_model::enums::WorkspaceKind::FeatureStore)
    );
    let mut other: Vec<String> = t
        .unmodelled
        .iter()
        .map(|u| format!("{} {}", u.resource_type, u.name))
        .collect();
    other.sort();
    assert_eq!(
        other,
        [
            "Azure ML CLI spec (amlCompute.schema.json) cpu-cluster",
            "Azure ML CLI spec (batchDeployment.schema.json) nightly",
            "Azure ML CLI spec (commandJob.schema.json) ",
            "Azure ML CLI spec (kubernetesOnlineEndpoint.schema.json) k8s-score",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// SDK Project class: "hub_id: The hub parent of the project, as a resource ID"; a project
/// spec (`kind: project`) names its hub so, and the hub is what the project's network is.
#[test]
fn a_project_spec_names_its_hub() {
    let dir = scratch("project");
    let file = dir.join("project.yml");
    std::fs::write(
        &file,
        "name: proj\nkind: project\nlocation: eastus\nhub_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/myhub\n",
    )
    .unwrap();
    let l = load(&file);
    let w = &l.topology.workspaces[0];
    assert_eq!(w.kind, Some(moat_model::enums::WorkspaceKind::Project));
    assert_eq!(w.hub.as_deref(), Some("myhub"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Facts, "Image build compute": "`''` reverts to serverless compute"; the SDK's update reads an
/// empty `container_registry` as erasing it. An empty value names no resource.
#[test]
fn empty_values_name_nothing() {
    let dir = scratch("empty");
    let file = dir.join("workspace.yml");
    std::fs::write(
        &file,
        "name: ws\nlocation: eastus\nimage_build_compute: ''\ncontainer_registry: ''\n",
    )
    .unwrap();
    let l = load(&file);
    let w = &l.topology.workspaces[0];
    assert_eq!(w.image_build_compute, None);
    assert_eq!(w.container_registry, None);
    assert!(
        !l.topology
            .unknowns
            .iter()
            .any(|u| u.field.contains("image_build_compute")),
        "{:#?}",
        l.topology.unknowns
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A service tag outbound rule is written with its protocol and ports ("destination:
/// service_tag: DataFactory, protocol: TCP, port_ranges: 80, 8080-8089"; the SDK's
/// `ServiceTagDestination(service_tag, protocol, port_ranges)`), and Azure documents no default
/// for either (facts, "Service tag rule destination": no default). A rule that leaves them out
/// keeps them unknown, not `*`.
#[test]
fn service_tag_rule_without_protocol_or_ports_leaves_them_unknown() {
    let dir = scratch("tag-transport");
    let file = dir.join("workspace.yml");
    let spec = "\
name: ws
location: eastus
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: adf
    type: service_tag
    destination:
      service_tag: DataFactory
  - name: web
    type: service_tag
    destination:
      service_tag: AzureFrontDoor.Frontend
      protocol: TCP
";
    std::fs::write(&file, spec).unwrap();
    let l = load(&file);
    let rules = &l.topology.workspaces[0].managed_network.outbound_rules;
    let tag = |name: &str| match &rules.iter().find(|r| r.name == name).unwrap().destination {
        OutboundDestination::ServiceTag(d) => d.clone(),
        d => panic!("{d:?}"),
    };
    let adf = tag("adf");
    assert!(
        adf.protocol.is_unknown() && adf.port_ranges.is_unknown(),
        "{adf:?}"
    );
    let web = tag("web");
    assert_eq!(web.protocol.get(), Some(FirewallProtocol::Tcp));
    assert!(web.port_ranges.is_unknown(), "{web:?}");
    std::fs::remove_dir_all(&dir).ok();
}
