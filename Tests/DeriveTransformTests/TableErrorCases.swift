@testable import DeriveTransform

/// Invalid strings and the exact error each one produces (structure, keys, values).
let errorCases: [TableCase] = [
    fails("c_fill//w_100", "component 2 at offset 7: empty component (doubled or trailing \"/\")"),
    fails("c_fill/", "component 2 at offset 7: empty component (doubled or trailing \"/\")"),
    fails("/c_fill", "component 1 at offset 0: empty component (doubled or trailing \"/\")"),
    fails("c_fill,,w_100", "component 1 at offset 7: empty parameter (doubled or trailing \",\")"),
    fails("c_fill,", "component 1 at offset 7: empty parameter (doubled or trailing \",\")"),
    fails(",w_100", "component 1 at offset 0: empty parameter (doubled or trailing \",\")"),
    fails("w", "component 1, parameter \"w\" at offset 1: missing value: expected \"w_<value>\""),
    fails("w_", "component 1, parameter \"w\" at offset 2: missing value after \"w_\""),
    fails(
        "jpg",
        "component 1, parameter \"jpg\" at offset 0: \"jpg\" is not a parameter: a bare format is only valid as the extension of an eager or derived key; use \"f_jpg\" or the URL extension"
    ),
    fails(
        "c_fill/jpg",
        "component 2, parameter \"jpg\" at offset 7: \"jpg\" is not a parameter: a bare format is only valid as the extension of an eager or derived key; use \"f_jpg\" or the URL extension"
    ),
    fails("hello", "component 1, parameter \"hello\" at offset 0: expected \"key_value\", found \"hello\""),
    fails("wd_300", "component 1, parameter \"wd\" at offset 0: unknown parameter \"wd\" — did you mean \"w\"?"),
    fails("W_300", "component 1, parameter \"W\" at offset 0: unknown parameter \"W\" — did you mean \"w\"?"),
    fails("width_300", "component 1, parameter \"width\" at offset 0: unknown parameter \"width\""),
    fails(
        "gr_north",
        "component 1, parameter \"gr\" at offset 0: unknown parameter \"gr\" — did you mean \"g\"?"),
    fails("qq_80", "component 1, parameter \"qq\" at offset 0: unknown parameter \"qq\" — did you mean \"q\"?"),
    fails(
        "fll_progressive",
        "component 1, parameter \"fll\" at offset 0: unknown parameter \"fll\" — did you mean \"fl\"?"),
    fails(
        "dprr_2",
        "component 1, parameter \"dprr\" at offset 0: unknown parameter \"dprr\" — did you mean \"dpr\"?"),
    fails(
        "w_100,w_200",
        "component 1, parameter \"w\" at offset 6: duplicate parameter \"w\" in one component (put repeated operations in separate components)"
    ),
    fails(
        "e_sepia,e_blur",
        "component 1, parameter \"e\" at offset 8: duplicate parameter \"e\" in one component (put repeated operations in separate components)"
    ),
    fails(
        "c_fill,w_100,c_fit",
        "component 1, parameter \"c\" at offset 13: duplicate parameter \"c\" in one component (put repeated operations in separate components)"
    ),
    fails(
        "$v_1,$v_2",
        "component 1, parameter \"$v\" at offset 5: variable \"$v\" is defined twice in this component"),
    fails(
        "$1v_1",
        "component 1, parameter \"$1v\" at offset 0: invalid variable name \"$1v\" (a letter, then letters or digits)"),
    fails("$v", "component 1, parameter \"$v\" at offset 2: variable \"$v\" needs a value: \"$v_<value>\""),
    fails(
        "$_1",
        "component 1, parameter \"$\" at offset 0: invalid variable name \"$\" (a letter, then letters or digits)"),
    fails("w_-100", "component 1, parameter \"w\" at offset 2: must not be negative (found -100)"),
    fails("h_-0.5", "component 1, parameter \"h\" at offset 2: must not be negative (found -0.5)"),
    fails("w_abc", "component 1, parameter \"w\" at offset 2: unknown operand \"abc\" in expression"),
    fails(
        "w_10px",
        "component 1, parameter \"w\" at offset 2: expected a number, a variable or an expression, found \"10px\""),
    fails(
        "w_1.2.3",
        "component 1, parameter \"w\" at offset 2: expected a number, a variable or an expression, found \"1.2.3\""),
    fails("w_.5", "component 1, parameter \"w\" at offset 2: unknown operand \".5\" in expression"),
    fails(
        "w_5.",
        "component 1, parameter \"w\" at offset 2: expected a number, a variable or an expression, found \"5.\""),
    fails("w_iw_mul", "component 1, parameter \"w\" at offset 8: expression ends with an operator"),
    fails("w_iw_mul_", "component 1, parameter \"w\" at offset 9: empty token in expression (doubled \"_\")"),
    fails("w_iw_foo_2", "component 1, parameter \"w\" at offset 5: expected an operator, found \"foo\""),
    fails("w_iw__2", "component 1, parameter \"w\" at offset 5: empty token in expression (doubled \"_\")"),
    fails("w_auto:", "component 1, parameter \"w\" at offset 7: invalid auto options \"\""),
    fails(
        "w_99999999999999999999",
        "component 1, parameter \"w\" at offset 2: expected a number, a variable or an expression, found \"99999999999999999999\""
    ),
    fails(
        "c_fil",
        "component 1, parameter \"c\" at offset 2: unknown crop mode \"fil\" — did you mean \"fill\"?"),
    fails(
        "c_fitt",
        "component 1, parameter \"c\" at offset 2: unknown crop mode \"fitt\" — did you mean \"fit\"?"),
    fails(
        "c_padd",
        "component 1, parameter \"c\" at offset 2: unknown crop mode \"padd\" — did you mean \"pad\"?"),
    fails(
        "c_Fill",
        "component 1, parameter \"c\" at offset 2: unknown crop mode \"Fill\" — did you mean \"fill\"?"),
    fails("c_unknown", "component 1, parameter \"c\" at offset 2: unknown crop mode \"unknown\""),
    fails("c_", "component 1, parameter \"c\" at offset 2: missing value after \"c_\""),
    fails(
        "g_nort",
        "component 1, parameter \"g\" at offset 2: unknown gravity \"nort\" — did you mean \"north\"?"),
    fails(
        "g_north_wst",
        "component 1, parameter \"g\" at offset 2: unknown gravity \"north_wst\" — did you mean \"north_west\"?"),
    fails(
        "g_centre",
        "component 1, parameter \"g\" at offset 2: unknown gravity \"centre\" — did you mean \"center\"?"),
    fails(
        "g_face:left",
        "component 1, parameter \"g\" at offset 7: unknown option \"left\" for gravity \"face\"; expected one of \"center\", \"auto\""
    ),
    fails(
        "g_custom:eyes",
        "component 1, parameter \"g\" at offset 9: unknown option \"eyes\" for gravity \"custom\"; expected one of \"face\", \"faces\", \"adv_face\", \"adv_faces\""
    ),
    fails(
        "g_ocr_text:x",
        "component 1, parameter \"g\" at offset 11: unknown option \"x\" for gravity \"ocr_text\"; expected one of \"adv_ocr\""
    ),
    fails(
        "g_xy_center:1",
        "component 1, parameter \"g\" at offset 2: unknown gravity \"xy_center:1\" — did you mean \"xy_center\"?"),
    fails("g_auto:", "component 1, parameter \"g\" at offset 7: empty gravity option"),
    fails("q_0", "component 1, parameter \"q\" at offset 2: quality must be from 1 to 100 (found 0)"),
    fails("q_101", "component 1, parameter \"q\" at offset 2: quality must be from 1 to 100 (found 101)"),
    fails(
        "q_80:400",
        "component 1, parameter \"q\" at offset 5: chroma subsampling must be 420, 422 or 444, found \"400\""),
    fails(
        "q_auto:great",
        "component 1, parameter \"q\" at offset 7: unknown quality level \"great\"; expected best, good, eco or low"),
    fails("q_high", "component 1, parameter \"q\" at offset 2: unknown quality \"high\""),
    fails(
        "q_jpegmini:1",
        "component 1, parameter \"q\" at offset 2: unknown quality \"jpegmini:1\" — did you mean \"jpegmini\"?"),
    fails("q_-5", "component 1, parameter \"q\" at offset 2: quality must be from 1 to 100 (found -5)"),
    fails("f_jpgg", "component 1, parameter \"f\" at offset 2: unknown format \"jpgg\" — did you mean \"jpg\"?"),
    fails(
        "f_webpp",
        "component 1, parameter \"f\" at offset 2: unknown format \"webpp\" — did you mean \"webp\"?"),
    fails("f_xyz", "component 1, parameter \"f\" at offset 2: unknown format \"xyz\""),
    fails(
        "ar_16:0",
        "component 1, parameter \"ar\" at offset 3: expected an aspect ratio \"<width>:<height>\" with positive integers, found \"16:0\""
    ),
    fails(
        "ar_a:b",
        "component 1, parameter \"ar\" at offset 3: expected an aspect ratio \"<width>:<height>\" with positive integers, found \"a:b\""
    ),
    fails(
        "ar_-1.5",
        "component 1, parameter \"ar\" at offset 3: aspect ratio must be at least 0 (found -1.5)"),
    fails("z_-1", "component 1, parameter \"z\" at offset 2: zoom must be at least 0 (found -1)"),
    fails("o_101", "component 1, parameter \"o\" at offset 2: opacity must be at most 100 (found 101)"),
    fails("o_-1", "component 1, parameter \"o\" at offset 2: opacity must be at least 0 (found -1)"),
    fails("o_abc", "component 1, parameter \"o\" at offset 2: unknown operand \"abc\" in expression"),
    fails("dpr_0", "component 1, parameter \"dpr\" at offset 4: dpr must be greater than 0"),
    fails("dpr_0.0", "component 1, parameter \"dpr\" at offset 4: dpr must be greater than 0"),
    fails("dpr_-1", "component 1, parameter \"dpr\" at offset 4: dpr must be at least 0 (found -1)"),
    fails("dpr_x", "component 1, parameter \"dpr\" at offset 4: unknown operand \"x\" in expression"),
    fails("r_1:2:3:4:5", "component 1, parameter \"r\" at offset 2: radius takes 1 to 4 values, found 5"),
    fails("r_10::20", "component 1, parameter \"r\" at offset 5: empty radius value"),
    fails("r_-5", "component 1, parameter \"r\" at offset 2: radius must be at least 0 (found -5)"),
    fails("a_90.", "component 1, parameter \"a\" at offset 5: empty angle in list"),
    fails("a_.hflip", "component 1, parameter \"a\" at offset 2: empty angle in list"),
    fails("a_hflp", "component 1, parameter \"a\" at offset 2: unknown angle \"hflp\" — did you mean \"hflip\"?"),
    fails(
        "e_sepiaa",
        "component 1, parameter \"e\" at offset 2: unknown effect \"sepiaa\" — did you mean \"sepia\"?"),
]

/// Invalid values of every parameter, named transformations, blocks and video-only keys.
let moreErrorCases: [TableCase] = [
    fails(
        "e_blurr:100",
        "component 1, parameter \"e\" at offset 2: unknown effect \"blurr\" — did you mean \"blur\"?"),
    fails("e_sepia:", "component 1, parameter \"e\" at offset 8: empty argument for effect \"sepia\""),
    fails(
        "e_sepia:abc",
        "component 1, parameter \"e\" at offset 8: effect \"sepia\" expects an integer argument, found \"abc\""),
    fails(
        "e_grayscal",
        "component 1, parameter \"e\" at offset 2: unknown effect \"grayscal\" — did you mean \"grayscale\"?"),
    fails("e_:5", "component 1, parameter \"e\" at offset 2: missing effect name"),
    fails(
        "e_brightness:1.5",
        "component 1, parameter \"e\" at offset 13: effect \"brightness\" expects an integer argument, found \"1.5\""),
    fails(
        "bo_3px_solid",
        "component 1, parameter \"bo\" at offset 3: expected a border \"<width>px_solid_<color>\", found \"3px_solid\""),
    fails(
        "bo_3px_dashed_red",
        "component 1, parameter \"bo\" at offset 3: expected a border \"<width>px_solid_<color>\", found \"3px_dashed_red\""
    ),
    fails(
        "bo_px_solid_red",
        "component 1, parameter \"bo\" at offset 3: expected a border \"<width>px_solid_<color>\", found \"px_solid_red\""
    ),
    fails(
        "bo_3px_solid_rgb:12345",
        "component 1, parameter \"bo\" at offset 17: expected 3, 4, 6 or 8 hex digits after \"rgb:\", found \"12345\""),
    fails(
        "b_reed",
        "component 1, parameter \"b\" at offset 2: unknown colour \"reed\" (expected a CSS colour name or \"rgb:<hex>\") — did you mean \"red\"?"
    ),
    fails(
        "b_rgb:fg0000",
        "component 1, parameter \"b\" at offset 6: expected 3, 4, 6 or 8 hex digits after \"rgb:\", found \"fg0000\""),
    fails(
        "b_#12",
        "component 1, parameter \"b\" at offset 3: expected 3, 4, 6 or 8 hex digits after \"#\", found \"12\""),
    fails("b_auto:", "component 1, parameter \"b\" at offset 7: invalid options for background \"auto\""),
    fails("b_$1", "component 1, parameter \"b\" at offset 2: invalid variable name \"$1\""),
    fails(
        "co_bleu",
        "component 1, parameter \"co\" at offset 3: unknown colour \"bleu\" (expected a CSS colour name or \"rgb:<hex>\") — did you mean \"blue\"?"
    ),
    fails(
        "l_text:Arial_40",
        "component 1, parameter \"l\" at offset 7: expected a text layer \"text:<font>_<size>[_<style>]:<text>\""),
    fails(
        "l_text::Hi",
        "component 1, parameter \"l\" at offset 7: expected a text layer \"text:<font>_<size>[_<style>]:<text>\""),
    fails(
        "l_text:Arial_40:%zz",
        "component 1, parameter \"l\" at offset 16: invalid percent-encoding in layer text"),
    fails("l_fetch:", "component 1, parameter \"l\" at offset 8: expected \"fetch:<base64url of the URL>\""),
    fails(
        "l_fetch:abc$",
        "component 1, parameter \"l\" at offset 8: expected \"fetch:<base64url of the URL>\""),
    fails(
        "l_video:dog",
        "component 1, parameter \"l\" at offset 2: \"video:\" layers are only valid for videos"),
    fails("l_:logo", "component 1, parameter \"l\" at offset 2: invalid layer public id \":logo\""),
    fails("l_logo:", "component 1, parameter \"l\" at offset 2: invalid layer public id \"logo:\""),
    fails(
        "fl_progresive",
        "component 1, parameter \"fl\" at offset 3: unknown flag \"progresive\" — did you mean \"progressive\"?"),
    fails(
        "fl_layer_apply",
        "component 1, parameter \"fl\" at offset 0: \"fl_layer_apply\" without a preceding \"l_\" or \"u_\" layer"),
    fails(
        "c_scale/fl_layer_apply,g_north",
        "component 2, parameter \"fl\" at offset 8: \"fl_layer_apply\" without a preceding \"l_\" or \"u_\" layer"),
    fails("fl_progressive.", "component 1, parameter \"fl\" at offset 15: empty flag in list"),
    fails("fl_.lossy", "component 1, parameter \"fl\" at offset 3: empty flag in list"),
    fails(
        "fl_attachment:",
        "component 1, parameter \"fl\" at offset 14: invalid argument for flag \"attachment\""),
    fails("fl_unknown_flag", "component 1, parameter \"fl\" at offset 3: unknown flag \"unknown_flag\""),
    fails("t_unknown", "component 1, parameter \"t\" at offset 2: unknown named transformation \"unknown\""),
    fails(
        "t_broken",
        "component 1, parameter \"t\" at offset 2: in named transformation \"broken\": component 1, parameter \"w\" at offset 2: unknown operand \"abc\" in expression"
    ),
    fails("t_loop", "component 1, parameter \"t\" at offset 2: named transformation cycle: \"loop\" → \"loop\""),
    fails("t_a..b", "component 1, parameter \"t\" at offset 4: empty named transformation name"),
    fails("t_a/b", "component 1, parameter \"t\" at offset 2: unknown named transformation \"a\""),
    fails("t_thumb.nope", "component 1, parameter \"t\" at offset 8: unknown named transformation \"nope\""),
    fails("dn_0", "component 1, parameter \"dn\" at offset 3: density must be at least 1 (found 0)"),
    fails("dn_abc", "component 1, parameter \"dn\" at offset 3: unknown operand \"abc\" in expression"),
    fails(
        "cs_srgbb",
        "component 1, parameter \"cs\" at offset 3: unknown colour space \"srgbb\" — did you mean \"srgb\"?"),
    fails("cs_icc:", "component 1, parameter \"cs\" at offset 7: missing public id after \"icc:\""),
    fails(
        "cs_cmykk",
        "component 1, parameter \"cs\" at offset 3: unknown colour space \"cmykk\" — did you mean \"cmyk\"?"),
    fails("dl_-1", "component 1, parameter \"dl\" at offset 3: delay must be at least 0 (found -1)"),
    fails(
        "fn_wasm:",
        "component 1, parameter \"fn\" at offset 3: expected \"wasm:<public_id>\", \"remote:<base64url>\" or \"pre:remote:<base64url>\""
    ),
    fails(
        "fn_js:x",
        "component 1, parameter \"fn\" at offset 3: expected \"wasm:<public_id>\", \"remote:<base64url>\" or \"pre:remote:<base64url>\""
    ),
    fails(
        "if_else",
        "component 1, parameter \"if\" at offset 0: \"if_else\" without an open \"if_<condition>\" block"),
    fails(
        "if_end",
        "component 1, parameter \"if\" at offset 0: \"if_end\" without an open \"if_<condition>\" block"),
    fails(
        "if_w_gt_5/if_end/if_end",
        "component 3, parameter \"if\" at offset 17: \"if_end\" without an open \"if_<condition>\" block"),
    fails(
        "if_w_gtt_5",
        "component 1, parameter \"if\" at offset 5: expected an operator, found \"gtt\" — did you mean \"gt\"?"),
    fails("if_wdth_gt_5", "component 1, parameter \"if\" at offset 3: unknown operand \"wdth\" in expression"),
    fails("if_w_gt", "component 1, parameter \"if\" at offset 7: expression ends with an operator"),
    fails(
        "if_!sale_in_tags",
        "component 1, parameter \"if\" at offset 3: unterminated string literal (missing closing \"!\")"),
    fails(
        "if_w_gt_!a",
        "component 1, parameter \"if\" at offset 8: unterminated string literal (missing closing \"!\")"),
    fails("$v_", "component 1, parameter \"$v\" at offset 3: missing value for variable \"$v\""),
    fails(
        "$v_!unterminated",
        "component 1, parameter \"$v\" at offset 3: unterminated string literal (missing closing \"!\")"),
    fails(
        "so_2",
        "component 1, parameter \"so\" at offset 0: \"so\" (start_offset) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "eo_3",
        "component 1, parameter \"eo\" at offset 0: \"eo\" (end_offset) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "du_5",
        "component 1, parameter \"du\" at offset 0: \"du\" (duration) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "ac_aac",
        "component 1, parameter \"ac\" at offset 0: \"ac\" (audio_codec) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "af_44100",
        "component 1, parameter \"af\" at offset 0: \"af\" (audio_frequency) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "br_1m",
        "component 1, parameter \"br\" at offset 0: \"br\" (bit_rate) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "vc_h264",
        "component 1, parameter \"vc\" at offset 0: \"vc\" (video_codec) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "vs_5",
        "component 1, parameter \"vs\" at offset 0: \"vs\" (video_sampling) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "sp_hd",
        "component 1, parameter \"sp\" at offset 0: \"sp\" (streaming_profile) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "ki_2.0",
        "component 1, parameter \"ki\" at offset 0: \"ki\" (keyframe_interval) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "fps_24",
        "component 1, parameter \"fps\" at offset 0: \"fps\" (fps) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "w_100,h_200/c_fill,g_nrth",
        "component 2, parameter \"g\" at offset 21: unknown gravity \"nrth\" — did you mean \"north\"?"),
    fails(
        "c_fill,h_200,w_300/e_sharpen/f_auto,q_autoo",
        "component 3, parameter \"q\" at offset 38: unknown quality \"autoo\" — did you mean \"auto\"?"),
    fails(
        "w_100/h_100/c_fit,o_500",
        "component 3, parameter \"o\" at offset 20: opacity must be at most 100 (found 500)"),
    fails(
        "l_logo/c_scale,w_50/fl_layer_apply/fl_layer_apply",
        "component 4, parameter \"fl\" at offset 35: \"fl_layer_apply\" without a preceding \"l_\" or \"u_\" layer"),
    fails("w_$", "component 1, parameter \"w\" at offset 2: invalid variable name \"$\""),
    fails("w_$1a", "component 1, parameter \"w\" at offset 2: invalid variable name \"$1a\""),
    fails("x_auto", "component 1, parameter \"x\" at offset 2: \"auto\" is only valid for w and h"),
    fails("y_auto:100", "component 1, parameter \"y\" at offset 2: \"auto\" is only valid for w and h"),
    fails("w_auto:a b", "component 1, parameter \"w\" at offset 7: invalid auto options \"a b\""),
    fails(
        "o_50.5.5",
        "component 1, parameter \"o\" at offset 2: expected a number for opacity, found \"50.5.5\""),
    fails("z_abc", "component 1, parameter \"z\" at offset 2: unknown operand \"abc\" in expression"),
    fails(
        "t_deep",
        "component 1, parameter \"t\" at offset 2: in named transformation \"deep\" → \"broken\": component 1, parameter \"w\" at offset 2: unknown operand \"abc\" in expression"
    ),
    fails(
        "t_ping",
        "component 1, parameter \"t\" at offset 2: named transformation cycle: \"ping\" → \"pong\" → \"ping\""),
    fails(
        "c_fill,t_thumb.pong",
        "component 1, parameter \"t\" at offset 15: named transformation cycle: \"pong\" → \"ping\" → \"pong\""),
]

/// Errors that need the video media or several named definitions.
let mediaErrorCases: [TableCase] = [
    fails(
        "if_w_gt_100,$v_1,a_10,ac_aac,af_44100,ar_4:3,b_red,bo_1px_solid_red,br_1m,c_fill,co_blue,cs_srgb,d_d.png,dl_10,dn_72,dpr_2,du_5,e_sepia,eo_3,f_webp,fl_progressive,fn_wasm:f.wasm,fps_24,g_north,h_100,ki_2.0,l_logo,o_50,p_p,pg_1,q_80,r_5,so_1,sp_hd,t_named,u_bg,vc_h264,vs_5,w_200,x_1,y_2,z_2",
        "component 1, parameter \"ac\" at offset 22: \"ac\" (audio_codec) is a video-only parameter and cannot be used with images"
    ),
    fails(
        "if_w_gt_100,$v_1,a_10,ac_aac,af_44100,ar_4:3,b_red,bo_1px_solid_red,br_1m,c_fill,co_blue,cs_srgb,d_d.png,dl_10,dn_72,dpr_2,du_5,e_sepia,eo_3,f_webp,fl_progressive,fn_wasm:f.wasm,fps_24,g_north,h_100,ki_2.0,l_logo,o_50,p_p,pg_1,q_80,r_5,so_1,sp_hd,t_named,u_bg,vc_h264,vs_5,w_200,x_1,y_2,z_2,e_blur",
        "component 1, parameter \"e\" at offset 291: duplicate parameter \"e\" in one component (put repeated operations in separate components)",
        .video),
    fails("so_", "component 1, parameter \"so\" at offset 3: missing value after \"so_\"", .video),
    // Found by the fuzzer: "-0" is the integer 0, so a second number would print back as a decimal.
    fails(
        "a_1.-0",
        "component 1, parameter \"a\" at offset 4: an angle list takes at most one number of degrees, found \"-0\""),
    fails(
        "a_90.hflip.$x",
        "component 1, parameter \"a\" at offset 11: an angle list takes at most one number of degrees, found \"$x\""),
    fails("l_video:dog,w_10", "component 1, parameter \"l\" at offset 2: \"video:\" layers are only valid for videos"),
]
