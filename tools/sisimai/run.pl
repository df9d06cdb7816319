# Sisimai (Debian's libsisimai-perl) over mail files given on the command line; used by
# tools/sisimai_compare.py (mode "dump": one JSON line per file) and bench/sisimai.py (mode
# "bench": CPU and wall seconds of each round).  Only the Sisimai *software* is used, on the
# project's own fixtures; its bounce corpus stays reserved for the project's evaluation.
use strict; use warnings; use Sisimai; use JSON::PP; use Time::HiRes;
my ($mode, $rounds, $repeat, @files) = @ARGV;
my @mails = map { local $/; open my $f, '<:raw', $_ or die "$_: $!"; my $d = <$f>; close $f; $d } @files;
if ($mode eq 'dump') {
    my $json = JSON::PP->new->canonical;
    for my $i (0..$#mails) {
        my $v = Sisimai->make(\$mails[$i], 'delivered' => 1) || [];
        my @r = map { { recipient => $_->recipient->address, status => $_->deliverystatus,
                        replycode => $_->replycode, reason => $_->reason, action => $_->action } } @$v;
        print $json->encode({file => $files[$i], records => \@r}), "\n";
    }
} else {
    Sisimai->make(\$_, 'delivered' => 1) for @mails;  # warm up: module loading
    for (1..$rounds) {
        my @t0 = times; my $w0 = Time::HiRes::time;
        for (1..$repeat) { for my $m (@mails) { Sisimai->make(\$m, 'delivered' => 1); } }
        my @t1 = times; my $w1 = Time::HiRes::time;
        printf "%f %f\n", ($t1[0] + $t1[1]) - ($t0[0] + $t0[1]), $w1 - $w0;
    }
}
