#!/usr/bin/perl
# maildmarc.pl - the cross-check of cases.txt against Mail::DMARC
# (Debian libmail-dmarc-perl, RFC 7489 with the Public Suffix List).
#
# usage: perl tests/conformance/dmarc/maildmarc.pl
#
# Mail::DMARC::PurePerl gets each case's From domain and the SPF and DKIM
# results of the case; its DNS comes from dmarc.zone through a small
# stand-in resolver (Net::DNS::ZoneFile), so nothing leaves the machine.
# Prints one line per case: name, Mail::DMARC's result and disposition,
# and whether they match the table.  Cases given by a message file, and
# --psl cases, are compared the same way (Mail::DMARC always uses the PSL).
use strict;
use warnings;
use File::Basename qw(dirname);
use Mail::DMARC::PurePerl;
use Net::DNS;
use Net::DNS::ZoneFile;

my $here = dirname(__FILE__);

package ZoneResolver;

sub new {
	my ($class, $path) = @_;
	my (%rr, %timeout);
	open(my $fh, '<', $path) or die "$path: $!";
	while (<$fh>) {
		$timeout{lc $1} = 1 if /^;\@timeout\s+(\S+?)\.?\s*$/;
	}
	close($fh);
	for my $r (Net::DNS::ZoneFile->new($path)->read) {
		push @{$rr{lc $r->owner}}, $r;
	}
	return bless { rr => \%rr, timeout => \%timeout }, $class;
}

sub send {
	my ($self, $name, $type) = @_;
	$name = lc $name;
	$name =~ s/\.$//;
	return undef if $self->{timeout}{$name};	# a timeout: no packet
	my $p = Net::DNS::Packet->new($name, $type);
	my $all = $self->{rr}{$name};
	$p->header->rcode($all ? 'NOERROR' : 'NXDOMAIN');
	$p->push(answer => grep { $_->type eq $type } @{$all || []});
	return $p;
}

sub query {
	my ($self, $name, $type) = @_;
	my $p = $self->send($name, $type) or return undef;
	return scalar($p->answer) ? $p : undef;
}

sub errorstring { return 'NXDOMAIN' }

package main;

my $res = ZoneResolver->new("$here/dmarc.zone");
my ($agree, $total) = (0, 0);
open(my $cases, '<', "$here/cases.txt") or die "cases.txt: $!";
while (my $line = <$cases>) {
	next if $line =~ /^#/ || $line !~ /\S/;
	my ($name, $from, $opts, $result, $disp) =
	    map { s/^\s+|\s+$//gr } split(/ \| /, $line);
	my $d = Mail::DMARC::PurePerl->new;
	$d->set_resolver($res);
	my $dom;
	if ($from =~ /^\@(.*)/) {
		open(my $m, '<', "$here/msg/$1") or die "$1: $!";
		local $/;
		my $text = <$m>;
		($dom) = $text =~ /^From:\s*(.*?)\r?$/mi;
		$dom = undef if defined $dom && $dom =~ /,/;
		$dom =~ s/.*\@// if defined $dom;
	} else {
		($dom = lc $from) =~ s/.*\@//;
	}
	# Mail::DMARC refuses some names outright (it croaks).
	my $bad = !eval { $d->header_from($dom) if defined $dom; 1 };
	my @spf = $opts =~ /--spf (\w+):(\S+)/;
	$d->spf(domain => $spf[1], scope => 'mfrom', result => $spf[0])
	    if @spf;
	my @dkim;
	while ($opts =~ /--dkim (\w+):([^:\s]+)(?::(\S+))?/g) {
		push @dkim, { domain => $2, selector => $3 // 's', result => $1 };
	}
	$d->dkim(\@dkim);
	my ($r, $x) = ('refused', 'none');
	if (!$bad) {
		eval {
			my $v = $d->validate;
			($r, $x) = ($v->result, $v->disposition // 'none');
			1;
		} or ($r, $x) = ('error', 'none');
	}
	$total++;
	my $same = $r eq $result && $x eq $disp;
	$agree++ if $same;
	printf "%-20s Mail::DMARC %-9s %-10s %s\n", $name, $r, $x,
	    $same ? 'agrees' : "differs (table: $result $disp)";
}
print "Mail::DMARC agrees on $agree/$total cases\n";
