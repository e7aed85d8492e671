package reputation

import "net/netip"

// notPublic are the special-purpose ranges whose addresses are never sent
// to an external service: they name no host on the internet, so asking
// about them only tells a third party about the operator's network. From
// the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890):
// whole blocks, the few anycast addresses registered as globally reachable
// inside them (192.0.0.9, 2001:1::1) included, since no mail comes from
// them; blocks that are globally reachable as a whole (AS112, NAT64's
// 64:ff9b::/96) are left out. IPv4-mapped IPv6 addresses are unmapped
// first.
var notPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network", RFC 791
		"10.0.0.0/8",      // private, RFC 1918
		"100.64.0.0/10",   // shared address space (CGN), RFC 6598
		"127.0.0.0/8",     // loopback, RFC 1122
		"169.254.0.0/16",  // link local, RFC 3927
		"172.16.0.0/12",   // private, RFC 1918
		"192.0.0.0/24",    // IETF protocol assignments, RFC 6890
		"192.0.2.0/24",    // documentation (TEST-NET-1), RFC 5737
		"192.88.99.0/24",  // 6to4 relay anycast, deprecated by RFC 7526
		"192.168.0.0/16",  // private, RFC 1918
		"198.18.0.0/15",   // benchmarking, RFC 2544
		"198.51.100.0/24", // documentation (TEST-NET-2), RFC 5737
		"203.0.113.0/24",  // documentation (TEST-NET-3), RFC 5737
		"224.0.0.0/4",     // multicast, RFC 5771
		"240.0.0.0/4",     // reserved, RFC 1112; 255.255.255.255 broadcast
		"::/128",          // unspecified, RFC 4291
		"::1/128",         // loopback, RFC 4291
		"64:ff9b:1::/48",  // local-use IPv4/IPv6 translation, RFC 8215
		"100::/64",        // discard-only, RFC 6666
		"2001::/23",       // IETF protocol assignments, RFC 2928 (Teredo 2001::/32 included)
		"2001:db8::/32",   // documentation, RFC 3849
		"2002::/16",       // 6to4, RFC 3056
		"3fff::/20",       // documentation, RFC 9637
		"5f00::/16",       // segment routing SIDs, RFC 9602
		"fc00::/7",        // unique local, RFC 4193
		"fe80::/10",       // link local, RFC 4291
		"ff00::/8",        // multicast, RFC 4291
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Public reports whether addr is an address on the public internet, and
// so one that may be sent to an external reputation service. Invalid
// addresses, and those with a zone (fe80::1%eth0), are not.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.Zone() != "" {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}
