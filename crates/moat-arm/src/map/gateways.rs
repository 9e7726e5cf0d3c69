//! The way to on-premises networks and remote users: virtual network gateways, local network
//! gateways, their connections, and bastion hosts.

use super::*;

pub(super) fn map_vnet_gateway(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let gateway_type = rec.enm(
        p,
        &["gatewayType"],
        "gateway_type",
        GatewayType::parse,
        GatewayType::Vpn,
        GatewayType::Vpn,
    );
    let subnet = rec
        .list(p, &["ipConfigurations"], "vnet")
        .first()
        .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
    let pool = rec.nets(
        p,
        &[
            "vpnClientConfiguration",
            "vpnClientAddressPool",
            "addressPrefixes",
        ],
        "vpn_client_address_pool",
    );
    let Some(subnet) = subnet else {
        drop_resource(t, ctx, rec, res, "vnet", "the gateway names no subnet");
        return;
    };
    ctx.register(&res.id, Kind::VnetGateway, &name);
    t.virtual_network_gateways.push(VirtualNetworkGateway {
        name,
        region,
        vnet: subnet,
        gateway_type,
        vpn_client_address_pool: pool,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_local_gateway(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let address_prefixes = rec.nets(
        p,
        &["localNetworkAddressSpace", "addressPrefixes"],
        "address_prefixes",
    );
    let gateway_ip_address = rec.ip(p, &["gatewayIpAddress"], "gateway_ip_address");
    ctx.register(&res.id, Kind::LocalGateway, &name);
    t.local_network_gateways.push(LocalNetworkGateway {
        name,
        region,
        address_prefixes,
        gateway_ip_address,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_connection(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let connection_type = rec.enm(
        p,
        &["connectionType"],
        "connection_type",
        ConnectionType::parse,
        ConnectionType::IPsec,
        ConnectionType::IPsec,
    );
    let gw = rec.id(
        p,
        &["virtualNetworkGateway1", "id"],
        "virtual_network_gateway",
    );
    let local = rec.id(p, &["localNetworkGateway2", "id"], "local_network_gateway");
    let Some(gw) = gw else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "virtual_network_gateway",
            "the connection names no virtual network gateway",
        );
        return;
    };
    ctx.register(&res.id, Kind::Connection, &name);
    t.connections.push(GatewayConnection {
        name,
        connection_type,
        virtual_network_gateway: gw,
        local_network_gateway: local,
        remote_address_prefixes: Vec::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_bastion(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let cfg = rec
        .list(p, &["ipConfigurations"], "vnet")
        .first()
        .copied()
        .cloned();
    let subnet = cfg
        .as_ref()
        .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
    let public_ip = cfg
        .as_ref()
        .and_then(|c| rec.id(c, &["properties", "publicIPAddress", "id"], "public_ip"));
    let Some(subnet) = subnet else {
        drop_resource(t, ctx, rec, res, "vnet", "the bastion host names no subnet");
        return;
    };
    ctx.register(&res.id, Kind::Bastion, &name);
    t.bastion_hosts.push(BastionHost {
        name,
        region,
        vnet: subnet,
        public_ip,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

/// Gateways' and bastions' VNets, connections' gateways, bastions' public IPs.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    let mut gws = std::mem::take(&mut t.virtual_network_gateways);
    for g in &mut gws {
        let label = format!("vnet-gateway/{}", g.name);
        g.vnet = external::vnet_of_subnet(t, ctx, &g.vnet, &label, &g.at);
    }
    t.virtual_network_gateways = gws;
    let mut conns = std::mem::take(&mut t.connections);
    conns.retain_mut(|c| {
        let label = format!("connection/{}", c.name);
        match req(ctx, &c.virtual_network_gateway, &[Kind::VnetGateway]) {
            Ok(n) => c.virtual_network_gateway = n,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "virtual_network_gateway",
                    e,
                    &c.at,
                    "the connection is not imported",
                );
                return false;
            }
        }
        opt(
            t,
            ctx,
            &mut c.local_network_gateway,
            &[Kind::LocalGateway],
            &label,
            "local_network_gateway",
            &c.at,
        );
        true
    });
    t.connections = conns;
    let mut bas = std::mem::take(&mut t.bastion_hosts);
    bas.retain_mut(|b| {
        let label = format!("bastion/{}", b.name);
        b.vnet = external::vnet_of_subnet(t, ctx, &b.vnet, &label, &b.at);
        opt(
            t,
            ctx,
            &mut b.public_ip,
            &[Kind::PublicIp],
            &label,
            "public_ip",
            &b.at,
        );
        true
    });
    t.bastion_hosts = bas;
}
