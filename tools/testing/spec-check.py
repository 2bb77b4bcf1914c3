#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The netlink spec is the source of truth: check that uapi/linux/msgpipe_nl.h
and the kernel's op table follow Documentation/netlink/specs/msgpipe.yaml.

Attributes and commands must appear in the header in the spec's order with
the spec's names; every op of the spec with a do or dump must be in
netlink.c's genl_ops with the permission flag the spec gives, and its
policy (nl_policy.c) must take exactly the attributes of the spec's requests.
"""
import re
import sys

import yaml

ROOT = sys.argv[1] if len(sys.argv) > 1 else '.'
spec = yaml.safe_load(open(f'{ROOT}/Documentation/netlink/specs/msgpipe.yaml'))
hdr = open(f'{ROOT}/uapi/linux/msgpipe_nl.h').read()
nl = open(f'{ROOT}/drivers/net/msgpipe/netlink.c').read()
pol_src = open(f'{ROOT}/drivers/net/msgpipe/nl_policy.c').read()
errors = []


def cname(prefix, name):
    return (prefix + name).upper().replace('-', '_')


def enum_after(first):
    """Names of the enum whose first entry is @first, in order."""
    m = re.search(r'enum \{\s*(' + first + r'[^}]*)\}', hdr)
    if not m:
        errors.append(f'no enum starting with {first} in the header')
        return []
    return re.findall(r'^\s*(MSGPIPE_[A-Z0-9_]+)\s*,', m.group(1), re.M)


aset = spec['attribute-sets'][0]
want = [cname(aset['name-prefix'], a['name']) for a in aset['attributes']]
have = [n for n in enum_after('MSGPIPE_A_UNSPEC') if not n.startswith('__')]
if want != have:
    errors.append(f'attributes differ:\n  spec:   {want}\n  header: {have}')

ops = spec['operations']['list']
want = ['MSGPIPE_CMD_UNSPEC'] + [cname(spec['operations']['name-prefix'],
                                       o['name']) for o in ops]
have = [n for n in enum_after('MSGPIPE_CMD_UNSPEC') if not n.startswith('__')]
if want != have:
    errors.append(f'commands differ:\n  spec:   {want}\n  header: {have}')

policies = {name: set(re.findall(r'\[(MSGPIPE_A_[A-Z0-9_]+)\]', body))
            for name, body in re.findall(
                r'const struct nla_policy (\w+)\[[^]]*\] = \{(.*?)\n\};',
                pol_src, re.S)}
aprefix = aset['name-prefix']

perms = {'uns-admin-perm': 'GENL_UNS_ADMIN_PERM', 'admin-perm': 'GENL_ADMIN_PERM'}
for o in ops:
    if 'do' not in o and 'dump' not in o:
        continue
    cmd = cname(spec['operations']['name-prefix'], o['name'])
    m = re.search(r'\.cmd = ' + cmd + r',(.*?)\}', nl, re.S)
    if not m:
        errors.append(f'{cmd} is not in netlink.c\'s genl_ops')
        continue
    body = m.group(1)
    flags = [perms[f] for f in o.get('flags', [])]
    got = re.findall(r'GENL_[A-Z_]*ADMIN_PERM', body)
    if flags != got:
        errors.append(f'{cmd}: spec flags {flags}, kernel {got}')
    if ('dump' in o) != ('.dumpit' in body) or ('do' in o) != ('.doit' in body):
        errors.append(f'{cmd}: do/dump differ between spec and kernel')
    pm = re.search(r'\.policy = (\w+),', body)
    if not pm:
        errors.append(f'{cmd}: no policy')
        continue
    want = set()
    for kind in ('do', 'dump'):
        req = (o.get(kind) or {}).get('request') or {}
        want |= {cname(aprefix, a) for a in req.get('attributes', [])}
    have = policies.get(pm.group(1))
    if have is None:
        errors.append(f'{cmd}: {pm.group(1)} is not in nl_policy.c')
    elif have != want:
        errors.append(f'{cmd}: policy takes {sorted(have)},'
                      f' the spec {sorted(want)}')

for e in errors:
    print('spec-check:', e)
print(f'spec-check: {len(ops)} ops, {len(aset["attributes"])} attributes,'
      f' {len(errors)} errors')
sys.exit(1 if errors else 0)
