use super::*;

fn l() -> Loc {
    Loc::default()
}

#[test]
fn cidr_functions_match_terraform() {
    let net: IpNet = "10.0.0.0/16".parse().unwrap();
    assert_eq!(cidr_subnet(net, 8, 2).unwrap().to_string(), "10.0.2.0/24");
    assert_eq!(
        cidr_subnet(net, 4, 15).unwrap().to_string(),
        "10.0.240.0/20"
    );
    assert!(cidr_subnet(net, 8, 256).is_err());
    assert!(cidr_subnet(net, 17, 0).is_err());
}

#[test]
fn format_handles_common_verbs() {
    let args = [Value::str("vnet"), Value::Number(7.0), Value::Number(1.5)];
    assert_eq!(
        format_verbs("%s-%03d-%.2f-%%", &args, &l()).unwrap(),
        "vnet-007-1.50-%"
    );
    assert_eq!(
        format_verbs("%-5s|", &[Value::str("ab")], &l()).unwrap(),
        "ab   |"
    );
    assert!(format_verbs("%s %s", &[Value::str("a")], &l()).is_err());
}

#[test]
fn base64_round_trips() {
    for t in ["", "a", "ab", "abc", "hello world"] {
        assert_eq!(
            base64_decode(&base64_encode(t.as_bytes())).unwrap(),
            t.as_bytes()
        );
    }
    assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
}
